import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addToScore, emptyScore, grade, hiddenSegment, maskEvent, nextInFlight, parseNumber, scoreText } from '../src/predict';
import type { Session } from '../src/model';
import { ev, seg } from './fixtures';

const synAck = seg(2, 'server', ['ACK', 'SYN'], 5000, 1001);
const syn = seg(1, 'client', ['SYN'], 1000);
const session = (inFlight: Session['inFlight']) => ({ inFlight } as unknown as Session);

test('the next segment is the earliest to arrive, ties by id', () => {
  const a = { segment: seg(7, 'client', ['ACK'], 1, 1), deliverAtMs: 30 };
  const b = { segment: seg(5, 'server', ['ACK'], 1, 1), deliverAtMs: 20 };
  const c = { segment: seg(4, 'server', ['ACK'], 1, 1), deliverAtMs: 20 };
  assert.equal(nextInFlight([a, b, c])?.segment.id, 4);
  assert.equal(nextInFlight([]), null);
});

test('only the next segment is hidden, only while predicting, and only until guessed', () => {
  const s = session([{ segment: synAck, deliverAtMs: 20 }, { segment: seg(9, 'client', ['ACK'], 1001, 5001), deliverAtMs: 25 }]);
  assert.equal(hiddenSegment(s, true, new Set()), 2);
  assert.equal(hiddenSegment(s, false, new Set()), null);
  assert.equal(hiddenSegment(s, true, new Set([2])), null);
  assert.equal(hiddenSegment(session([]), true, new Set()), null);
  assert.equal(hiddenSegment(null, true, new Set()), null);
});

test('numbers are whole 32-bit values', () => {
  assert.equal(parseNumber(' 5000 '), 5000);
  assert.equal(parseNumber('4294967295'), 4294967295);
  assert.equal(parseNumber('4294967296'), null);
  assert.equal(parseNumber('-1'), null);
  assert.equal(parseNumber('1e3'), null);
  assert.equal(parseNumber(''), null);
});

test('a right guess of a SYN,ACK is right in every field', () => {
  const g = grade({ flags: ['SYN', 'ACK'], seq: '5000', ack: '1001' }, synAck);
  assert.deepEqual([g.flags.right, g.seq.right, g.ack.right, g.allRight], [true, true, true, true]);
  assert.equal(g.flags.actual, 'SYN,ACK');
});

test('each field is marked on its own', () => {
  const g = grade({ flags: ['SYN'], seq: '5000', ack: '1000' }, synAck);
  assert.deepEqual([g.flags.right, g.seq.right, g.ack.right, g.allRight], [false, true, false, false]);
  assert.equal(g.flags.guessed, 'SYN');
  assert.equal(g.ack.guessed, '1000');
});

test('without the ACK bit the ack field is not significant: blank is right', () => {
  assert.equal(grade({ flags: ['SYN'], seq: '1000', ack: '' }, syn).allRight, true);
  assert.equal(grade({ flags: ['SYN'], seq: '1000', ack: '77' }, syn).ack.right, false);
  assert.match(grade({ flags: ['SYN'], seq: '1000', ack: '' }, syn).ack.actual, /not significant/);
  // With the ACK bit a blank ack is wrong.
  assert.equal(grade({ flags: ['SYN', 'ACK'], seq: '5000', ack: '' }, synAck).ack.right, false);
});

test('the score counts segments fully right and fields right', () => {
  let s = emptyScore;
  assert.equal(scoreText(s), 'no guesses yet');
  s = addToScore(s, grade({ flags: ['SYN', 'ACK'], seq: '5000', ack: '1001' }, synAck));
  s = addToScore(s, grade({ flags: ['ACK'], seq: '5000', ack: '1001' }, synAck));
  assert.deepEqual(s, { segments: 2, allRight: 1, fields: 6, fieldsRight: 5 });
  assert.equal(scoreText(s), '1 of 2 segments fully right · 5/6 fields');
});

test('the log shows a hidden segment without its explanation, flags or numbers', () => {
  const e = ev('segment-sent', 10, { segment: synAck, explanation: 'SYN,ACK seq=5000 ack=1001' });
  const masked = maskEvent(e, 2);
  assert.doesNotMatch(masked.explanation, /5000|1001|SYN/);
  assert.deepEqual(masked.segment?.flags, []);
  assert.equal(maskEvent(e, 3), e);
  assert.equal(maskEvent(e, null), e);
});
