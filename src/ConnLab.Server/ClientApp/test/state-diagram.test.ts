import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DIAGRAM_H, DIAGRAM_W, NODE_H, NODE_W, edgePath, findTransition, lastTransition, nodes, transitions } from '../src/state-diagram';
import { STATES } from '../src/model';
import { handshake } from './fixtures';

test('every RFC 9293 state has a box inside the drawing (CLOSED two, as in the figure), and no two boxes overlap', () => {
  assert.deepEqual([...new Set(nodes.map((n) => n.state))].sort(), [...STATES].sort());
  assert.equal(nodes.length, STATES.length + 1);
  for (const n of nodes) {
    assert.ok(n.x - NODE_W / 2 >= 0 && n.x + NODE_W / 2 <= DIAGRAM_W && n.y - NODE_H / 2 >= 0 && n.y + NODE_H / 2 <= DIAGRAM_H, n.state);
  }
  for (const a of nodes) {
    for (const b of nodes) {
      if (a !== b) {
        assert.ok(Math.abs(a.x - b.x) >= NODE_W || Math.abs(a.y - b.y) >= NODE_H, `${a.state} overlaps ${b.state}`);
      }
    }
  }
});

test('the figure has the handshake and teardown transitions; others are off-figure', () => {
  assert.equal(findTransition('SYN_SENT', 'ESTABLISHED').label, 'rcv SYN,ACK / snd ACK');
  assert.equal(findTransition('TIME_WAIT', 'CLOSED').inFigure, true);
  assert.equal(findTransition('ESTABLISHED', 'CLOSED').inFigure, false);
  assert.equal(transitions.length, 20);
});

test('edges leave and enter the boxes at their borders; a two-way pair is drawn apart', () => {
  const p = edgePath('CLOSED', 'LISTEN');
  assert.ok(p.y1 > 30 + NODE_H / 2 - 0.01 && p.y2 < 120 - NODE_H / 2 + 0.01);
  const there = edgePath('LISTEN', 'SYN_RECEIVED');
  const back = edgePath('SYN_RECEIVED', 'LISTEN');
  assert.notEqual(there.x1, back.x2);
});

test('lastTransition finds an endpoint\'s newest state change', () => {
  const events = handshake();
  assert.deepEqual(lastTransition(events, 'client'), { from: 'SYN_SENT', to: 'ESTABLISHED', index: 7 });
  assert.deepEqual(lastTransition(events, 'server'), { from: 'SYN_RECEIVED', to: 'ESTABLISHED', index: 10 });
  assert.equal(lastTransition(events.slice(0, 1), 'client'), null);
});

test('closing from the bottom of the figure ends in the bottom CLOSED box', () => {
  const p = edgePath('TIME_WAIT', 'CLOSED');
  assert.ok(p.y2 > 500, 'TIME_WAIT → CLOSED stays at the bottom');
  assert.ok(edgePath('SYN_SENT', 'CLOSED').y2 < 100, 'SYN_SENT → CLOSED goes to the top box');
});
