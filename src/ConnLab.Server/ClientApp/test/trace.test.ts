import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Trace } from '../src/trace';
import type { Session } from '../src/model';
import { handshake } from './fixtures';

const session = (eventCount: number) => ({ id: 's', eventCount } as unknown as Session);

test('watch answer then pushed batches: events below nextIndex are skipped, the rest appended', () => {
  const all = handshake();
  const t = new Trace();
  t.watched({ session: session(4), events: all.slice(0, 4), nextIndex: 4 }, 0);
  assert.equal(t.nextIndex, 4);
  // A push that overlaps what Watch already returned (it was queued meanwhile).
  assert.equal(t.push(all.slice(2, 6), session(6)), 'appended');
  assert.deepEqual(t.events.map((e) => e.index), [0, 1, 2, 3, 4, 5]);
  assert.equal(t.session!.eventCount, 6);
  assert.equal(t.push(all.slice(0, 3), session(6)), 'ignored');
});

test('a batch that skips an index is a gap: nothing is appended', () => {
  const all = handshake();
  const t = new Trace();
  t.watched({ session: session(2), events: all.slice(0, 2), nextIndex: 2 }, 0);
  assert.equal(t.push(all.slice(3, 5), session(5)), 'gap');
  assert.equal(t.nextIndex, 2);
});

test('re-watch after a reconnect continues from the last index without duplicates', () => {
  const all = handshake();
  const t = new Trace();
  t.watched({ session: session(3), events: all.slice(0, 3), nextIndex: 3 }, 0);
  t.watched({ session: session(all.length), events: all.slice(3), nextIndex: all.length }, t.nextIndex);
  assert.deepEqual(t.events.map((e) => e.index), all.map((e) => e.index));
});

test('a rewind cuts the trace at the session event count', () => {
  const all = handshake();
  const t = new Trace();
  t.watched({ session: session(all.length), events: all, nextIndex: all.length }, 0);
  t.rewound(session(5));
  assert.equal(t.nextIndex, 5);
  assert.equal(t.push(all.slice(5, 7), session(7)), 'appended');
  assert.equal(t.nextIndex, 7);
});

test('drawn from the REST trace, then Watch from its nextIndex: every event once, in order', () => {
  const all = handshake();
  const t = new Trace();
  // GET /api/sessions/{id}/trace while the hub connection starts
  t.watched({ session: session(4), events: all.slice(0, 4), nextIndex: 4 }, 0);
  // Watch(id, 4) answers what happened meanwhile; a push queued behind it overlaps
  assert.equal(t.watched({ session: session(6), events: all.slice(4, 6), nextIndex: 6 }, t.nextIndex), false);
  assert.equal(t.push(all.slice(5, 8), session(8)), 'appended');
  assert.deepEqual(t.events.map((e) => e.index), [0, 1, 2, 3, 4, 5, 6, 7]);
});

test('a Watch answer with fewer events than we hold (rewound meanwhile) cuts the trace to it', () => {
  const all = handshake();
  const t = new Trace();
  t.watched({ session: session(8), events: all.slice(0, 8), nextIndex: 8 }, 0);
  assert.equal(t.watched({ session: session(5), events: [], nextIndex: 5 }, t.nextIndex), true);
  assert.equal(t.nextIndex, 5);
  assert.equal(t.push(all.slice(5, 7), session(7)), 'appended');
  assert.deepEqual(t.events.map((e) => e.index), [0, 1, 2, 3, 4, 5, 6]);
});
