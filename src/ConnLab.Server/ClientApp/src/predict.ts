// Predict-then-reveal: the next segment on the wire (the earliest of snapshot.inFlight) is drawn with its flags,
// seq and ack hidden until the student guesses them; then each field is marked right or wrong and a score kept.
// Pure: the view (ui/predict-view.ts) and the ladder, log and in-flight table only ask which segment to hide.
import type { Flag, InFlight, LabEvent, Segment, Session } from './model';

export const FLAGS: readonly Flag[] = ['SYN', 'ACK', 'FIN', 'RST', 'PSH', 'URG'];

/** What a hidden segment's arrow says instead of its label. */
export const HIDDEN_LABEL = '? seq=? ack=?';

export interface Guess {
  flags: readonly Flag[];
  /** As typed; blank means "no guess". */
  seq: string;
  ack: string;
}

export interface FieldResult {
  right: boolean;
  guessed: string;
  actual: string;
}

export interface Grade {
  segmentId: number;
  flags: FieldResult;
  seq: FieldResult;
  ack: FieldResult;
  allRight: boolean;
}

export interface Score {
  /** Segments guessed. */
  segments: number;
  /** Segments with every field right. */
  allRight: number;
  fields: number;
  fieldsRight: number;
}

export const emptyScore: Score = { segments: 0, allRight: 0, fields: 0, fieldsRight: 0 };

/** The segment that arrives next: the earliest delivery time, ties by id (the order the link queued them). */
export function nextInFlight(inFlight: readonly InFlight[]): InFlight | null {
  let best: InFlight | null = null;
  for (const f of inFlight) {
    if (!best || f.deliverAtMs < best.deliverAtMs || (f.deliverAtMs === best.deliverAtMs && f.segment.id < best.segment.id)) {
      best = f;
    }
  }
  return best;
}

/** The id of the segment to hide now: predict mode is on and the next segment has not been guessed yet. */
export function hiddenSegment(session: Session | null, on: boolean, revealed: ReadonlySet<number>): number | null {
  if (!on || !session) {
    return null;
  }
  const next = nextInFlight(session.inFlight);
  return next && !revealed.has(next.segment.id) ? next.segment.id : null;
}

/** A sequence or acknowledgment number as typed: a whole number 0–4294967295, or null. */
export function parseNumber(text: string): number | null {
  const t = text.trim();
  if (!/^\d{1,10}$/.test(t)) {
    return null;
  }
  const n = Number(t);
  return n <= 0xffffffff ? n : null;
}

function flagText(flags: readonly Flag[]): string {
  const shown = FLAGS.filter((f) => flags.includes(f));
  return shown.length ? shown.join(',') : '(none)';
}

/**
 * Marks a guess. Flags are right when the set matches exactly. The ack field counts only with the ACK bit
 * (RFC 9293 §3.1: otherwise it is not significant): then a blank guess or the field's value is right.
 */
export function grade(guess: Guess, segment: Segment): Grade {
  const flagsRight = FLAGS.every((f) => guess.flags.includes(f) === segment.flags.includes(f));
  const seqGuess = parseNumber(guess.seq);
  const ackGuess = parseNumber(guess.ack);
  const ackSignificant = segment.flags.includes('ACK');
  const ackRight = ackSignificant ? ackGuess === segment.ack : guess.ack.trim() === '' || ackGuess === segment.ack;
  const result: Grade = {
    segmentId: segment.id,
    flags: { right: flagsRight, guessed: flagText(guess.flags), actual: flagText(segment.flags) },
    seq: { right: seqGuess === segment.seq, guessed: guess.seq.trim() || '(blank)', actual: String(segment.seq) },
    ack: {
      right: ackRight,
      guessed: guess.ack.trim() || '(blank)',
      actual: ackSignificant ? String(segment.ack) : `${segment.ack} (not significant: no ACK bit)`,
    },
    allRight: false,
  };
  result.allRight = result.flags.right && result.seq.right && result.ack.right;
  return result;
}

export function addToScore(score: Score, g: Grade): Score {
  const right = [g.flags, g.seq, g.ack].filter((f) => f.right).length;
  return {
    segments: score.segments + 1,
    allRight: score.allRight + (g.allRight ? 1 : 0),
    fields: score.fields + 3,
    fieldsRight: score.fieldsRight + right,
  };
}

export function scoreText(s: Score): string {
  return s.segments === 0
    ? 'no guesses yet'
    : `${s.allRight} of ${s.segments} segment${s.segments === 1 ? '' : 's'} fully right · ${s.fieldsRight}/${s.fields} fields`;
}

/** An event as the log may show it while its segment is hidden: no explanation (it names the flags and numbers). */
export function maskEvent(e: LabEvent, hidden: number | null): LabEvent {
  if (hidden === null || e.segment?.id !== hidden) {
    return e;
  }
  return { ...e, explanation: 'hidden until you guess this segment’s flags, seq and ack', segment: { ...e.segment, flags: [], seq: 0, ack: 0 } };
}
