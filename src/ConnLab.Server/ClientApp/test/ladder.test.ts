import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Ladder, arrowText, defaultLayout, direction, displayFlags, readableAngle, rowGap, segmentLabel } from '../src/ladder';
import { delivered, dropped, ev, handshake, resetIndex, seg, sent } from './fixtures';

const L = defaultLayout;

test('flags read as people say them, not in header order', () => {
  assert.equal(displayFlags(['ACK', 'SYN']), 'SYN,ACK');
  assert.equal(displayFlags(['ACK', 'FIN']), 'FIN,ACK');
  assert.equal(displayFlags(['ACK', 'PSH']), 'PSH,ACK');
  assert.equal(displayFlags(['ACK', 'RST']), 'RST,ACK');
  assert.equal(displayFlags([]), '<none>');
});

test('a label shows flags, seq, ack only with the ACK bit, and len', () => {
  assert.equal(segmentLabel(seg(1, 'client', ['SYN'], 1000)), 'SYN seq=1000 len=0');
  assert.equal(segmentLabel(seg(2, 'server', ['ACK', 'SYN'], 5000, 1001)), 'SYN,ACK seq=5000 ack=1001 len=0');
  assert.equal(segmentLabel(seg(4, 'client', ['ACK', 'PSH'], 1001, 5001, 5)), 'PSH,ACK seq=1001 ack=5001 len=5');
});

test('direction: the server address goes right to left, any other source left to right', () => {
  assert.equal(direction(seg(1, 'client', ['SYN'], 1), '10.0.0.2'), 'c2s');
  assert.equal(direction(seg(1, 'server', ['SYN'], 1), '10.0.0.2'), 's2c');
  assert.equal(direction({ ...seg(1, 'client', ['SYN'], 1), src: '198.18.0.7:1025' }, '10.0.0.2'), 'c2s');
});

test('rows at one time are rowHeight apart; a pause adds space growing with its logarithm, capped', () => {
  assert.equal(rowGap(0), L.rowHeight);
  assert.ok(rowGap(10) > L.rowHeight);
  assert.ok(rowGap(1000) > rowGap(10));
  assert.equal(rowGap(1e9), L.rowHeight + L.maxPause);
});

test('handshake: three delivered arrows, alternating direction, each running down from send to delivery', () => {
  const ladder = new Ladder('10.0.0.1', '10.0.0.2');
  ladder.add(handshake());
  assert.deepEqual(ladder.arrows.map((a) => [a.dir, a.fate, a.label]), [
    ['c2s', 'delivered', 'SYN seq=1000 len=0'],
    ['s2c', 'delivered', 'SYN,ACK seq=5000 ack=1001 len=0'],
    ['c2s', 'delivered', 'ACK seq=1001 ack=5001 len=0'],
  ]);
  for (const a of ladder.arrows) {
    const g = ladder.geometry(a, 30);
    assert.ok(g.y2 > g.y1, 'arrows go down');
    assert.equal(g.dashed, false);
    assert.equal(g.cross, null);
    assert.deepEqual([g.x1, g.x2], a.dir === 'c2s' ? [L.clientX, L.serverX] : [L.serverX, L.clientX]);
    assert.equal(g.lx, (L.clientX + L.serverX) / 2);
  }
  // Each delivery happens before the next send, so no two arrows overlap vertically.
  const spans = ladder.arrows.map((a) => ladder.geometry(a, 30));
  assert.ok(spans[0].y2 <= spans[1].y1 && spans[1].y2 <= spans[2].y1);
});

test('state changes become notes on their side', () => {
  const ladder = new Ladder('10.0.0.1', '10.0.0.2');
  ladder.add(handshake());
  assert.deepEqual(ladder.notes.map((n) => `${n.side}:${n.text}`), [
    'server:LISTEN', 'client:SYN_SENT', 'server:SYN_RECEIVED', 'client:ESTABLISHED', 'server:ESTABLISHED',
  ]);
});

test('a lost segment ends part of the way across in a cross; its retransmission is marked', () => {
  resetIndex();
  const ladder = new Ladder('10.0.0.1', '10.0.0.2');
  const synAck = seg(2, 'server', ['ACK', 'SYN'], 5000, 1001);
  const again = seg(4, 'server', ['ACK', 'SYN'], 5000, 1001, 0, 'retransmission');
  ladder.add([sent(10, synAck, 20), dropped(10, synAck), ev('timer-fired', 1010), sent(1010, again, 1020), delivered(1020, again)]);
  const [lost, rtx] = ladder.arrows;
  assert.equal(lost.fate, 'lost');
  const g = ladder.geometry(lost, 1020);
  assert.ok(g.cross);
  assert.equal(g.cross!.x, g.x2);
  assert.ok(g.x2 < L.serverX && g.x2 > L.clientX, 'ends between the timelines');
  assert.equal(lost.lostBecause, 'lost');
  assert.deepEqual(rtx.marks, ['retransmission']);
  assert.equal(arrowText(rtx), 'rtx SYN,ACK seq=5000 ack=1001 len=0');
  assert.ok(ladder.geometry(rtx, 1020).y1 - ladder.geometry(lost, 1020).y2 >= rowGap(1000) - 0.001, 'the RTO pause shows');
});

test('an in-flight segment is dashed towards below the present, with a dot at its progress', () => {
  resetIndex();
  const ladder = new Ladder('10.0.0.1', '10.0.0.2');
  const syn = seg(1, 'client', ['SYN'], 1000);
  ladder.add([sent(0, syn, 10)]);
  const [a] = ladder.arrows;
  assert.equal(a.fate, 'in-flight');
  const g0 = ladder.geometry(a, 0);
  assert.equal(g0.dashed, true);
  assert.ok(g0.y2 > ladder.nowY);
  assert.deepEqual(g0.now, { x: L.clientX, y: g0.y1 });
  const half = ladder.geometry(a, 5);
  assert.equal(half.now!.x, (L.clientX + L.serverX) / 2);
});

test('duplicates, crafted and spoofed segments are marked; a discarded delivery too', () => {
  resetIndex();
  const ladder = new Ladder('10.0.0.1', '10.0.0.2');
  const ack = seg(3, 'client', ['ACK'], 1001, 5001);
  const copy = seg(5, 'client', ['ACK'], 1001, 5001, 0, 'duplicate');
  const spoof = { ...seg(6, 'client', ['SYN'], 77, 0, 0, 'injected'), src: '198.18.0.7:1025' };
  ladder.add([
    sent(20, ack, 30),
    ev('segment-duplicated', 20, { segment: copy, dueMs: 31, endpoint: 'link' }),
    delivered(30, ack),
    delivered(31, copy),
    ev('segment-discarded', 31, { segment: copy, endpoint: 'server' }),
    sent(31, spoof, 41),
  ]);
  assert.deepEqual(ladder.arrows.map((a) => a.marks), [[], ['duplicate', 'discarded'], ['injected', 'spoofed']]);
  assert.equal(arrowText(ladder.arrows[1]), 'dup ACK seq=1001 ack=5001 len=0');
  assert.equal(arrowText(ladder.arrows[2]), 'crafted SYN seq=77 len=0');
});

test('visible() returns only arrows crossing the band, and keeps long in-flight ones', () => {
  resetIndex();
  const ladder = new Ladder('10.0.0.1', '10.0.0.2');
  const events = [];
  for (let i = 0; i < 1000; i++) {
    const s = seg(i + 1, i % 2 ? 'server' : 'client', ['ACK'], i, i);
    events.push(sent(i * 10, s, i * 10 + 5), delivered(i * 10 + 5, s));
  }
  const pending = seg(5000, 'client', ['FIN', 'ACK'], 1, 1);
  events.push(sent(10000, pending, 20000));
  ladder.add(events);
  const y0 = ladder.geometry(ladder.arrows[500], 10000).y1;
  const shown = ladder.visible(y0, y0 + 600, 10000);
  assert.ok(shown.length > 3 && shown.length < 40, `${shown.length} arrows in a 600 px band`);
  assert.ok(shown.every(({ g }) => Math.max(g.y1, g.y2) >= y0 && Math.min(g.y1, g.y2) <= y0 + 600));
  const bottom = ladder.visible(ladder.nowY - 10, ladder.height, 10000);
  assert.ok(bottom.some(({ arrow }) => arrow.fate === 'in-flight'));
});

test('yOfIndex finds the row at or before a trace index', () => {
  const ladder = new Ladder('10.0.0.1', '10.0.0.2');
  const events = handshake();
  ladder.add(events);
  assert.equal(ladder.yOfIndex(0), ladder.rows[0].y);
  assert.equal(ladder.yOfIndex(events.length + 5), ladder.nowY);
});

test('reset forgets everything (after a rewind the trace is rebuilt)', () => {
  const ladder = new Ladder('10.0.0.1', '10.0.0.2');
  ladder.add(handshake());
  ladder.reset();
  assert.equal(ladder.arrows.length + ladder.rows.length + ladder.notes.length, 0);
  ladder.add(handshake().slice(0, 4));
  assert.equal(ladder.arrows.length, 1);
});

test('labels run along their arrow and never upside down', () => {
  assert.equal(readableAngle(0, 0, 100, 0), 0);
  assert.equal(readableAngle(0, 0, 100, 100), 45);
  assert.equal(readableAngle(100, 0, 0, 100), -45, 'right to left, going down: still reads left to right');
  const ladder = new Ladder('10.0.0.1', '10.0.0.2');
  ladder.add(handshake());
  const [syn, synAck] = ladder.arrows.map((a) => ladder.geometry(a, 30));
  assert.ok(syn.angle > 0 && synAck.angle < 0);
});
