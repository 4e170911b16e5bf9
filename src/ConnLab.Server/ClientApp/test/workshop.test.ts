import { test } from 'node:test';
import assert from 'node:assert/strict';
import { displayCode, gridLines, isCode, normalizeCode, outcomeClass, outcomeSummary, shownSession, type WorkshopGrid } from '../src/workshop';

const grid = (students: Partial<WorkshopGrid['students'][number]>[], follow: string | null = null): WorkshopGrid => ({
  id: 'w', name: 'Networks 101', code: 'K7MX2Q', scenario: 'handshake', templateSessionId: 't', createdAt: '', expiresAt: '', open: true,
  followSessionId: follow, maxStudents: 100,
  students: students.map((s, i) => ({
    name: `s${i}`, sessionId: `id${i}`, joinedAt: '', clientState: 'SYN_SENT', serverState: 'LISTEN', step: 0, eventCount: 3, timeMs: 0,
    outcome: 'in progress', ...s,
  })),
});

test('codes are read in any case, with spaces or dashes, from the unambiguous alphabet', () => {
  assert.equal(normalizeCode(' k7m-x2q '), 'K7MX2Q');
  assert.equal(isCode('k7m x2q'), true);
  assert.equal(isCode('K7MX2O'), false); // no O
  assert.equal(isCode('K7MX2'), false);
  assert.equal(displayCode('k7mx2q'), 'K7M X2Q');
});

test('a student page shows the followed session while follow-me is on, its own otherwise', () => {
  assert.deepEqual(shownSession('mine', 'teacher'), { id: 'teacher', following: true });
  assert.deepEqual(shownSession('mine', null), { id: 'mine', following: false });
  assert.deepEqual(shownSession('mine', 'mine'), { id: 'mine', following: false });
});

test('grid lines keep join order, show a deleted sandbox with dashes, and mark the followed one', () => {
  const lines = gridLines(grid([{ name: 'Ada', outcome: 'established', clientState: 'ESTABLISHED' }, { name: 'Alan', clientState: null, serverState: null, outcome: 'deleted' }], 'id0'));
  assert.deepEqual(lines.map((l) => l.cells), [
    ['Ada', 'ESTABLISHED', 'LISTEN', '0', '3', 'established'],
    ['Alan', '—', '—', '0', '3', 'deleted'],
  ]);
  assert.deepEqual(lines.map((l) => l.followed), [true, false]);
  assert.equal(outcomeClass('in progress'), 'outcome-in-progress');
});

test('the summary counts outcomes', () => {
  assert.equal(outcomeSummary(grid([])), 'no students yet');
  assert.equal(outcomeSummary(grid([{ outcome: 'established' }, {}, { outcome: 'established' }])), '2 established · 1 in progress');
});
