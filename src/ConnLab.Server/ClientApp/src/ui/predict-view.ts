// Predict-then-reveal: a toggle, and while it is on a small form for the next segment's flags, seq and ack; on
// submit each field is marked right or wrong and the score goes up. The logic is ../predict.ts.
import type { Flag, Session } from '../model';
import { fmt, h, setText } from '../dom';
import { FLAGS, addToScore, emptyScore, grade, hiddenSegment, nextInFlight, scoreText, type Grade, type Score } from '../predict';

const STORE = 'connlab.predict';

export class PredictView {
  readonly root: HTMLElement;
  private on = localStorage.getItem(STORE) === '1';
  private revealed = new Set<number>();
  private score: Score = emptyScore;
  private session: Session | null = null;
  private toggle: HTMLButtonElement;
  private form: HTMLFormElement;
  private prompt: HTMLElement;
  private boxes = new Map<Flag, HTMLInputElement>();
  private seq: HTMLInputElement;
  private ack: HTMLInputElement;
  private result: HTMLElement;
  private scoreEl: HTMLElement;

  /** <changed> runs when what is hidden changes (a guess revealed it, or the mode was switched). */
  constructor(private changed: () => void) {
    this.toggle = h('button', { type: 'button', 'aria-pressed': String(this.on), 'data-testid': 'predict-toggle' }, 'predict mode');
    this.toggle.addEventListener('click', () => {
      this.on = !this.on;
      localStorage.setItem(STORE, this.on ? '1' : '0');
      this.toggle.setAttribute('aria-pressed', String(this.on));
      this.render();
      this.changed();
    });
    for (const f of FLAGS) {
      this.boxes.set(f, h('input', { type: 'checkbox', name: `guess-${f}`, 'data-testid': `guess-${f}` }));
    }
    this.seq = h('input', { type: 'text', inputmode: 'numeric', name: 'guess-seq', autocomplete: 'off', size: 11, 'data-testid': 'guess-seq' });
    this.ack = h('input', { type: 'text', inputmode: 'numeric', name: 'guess-ack', autocomplete: 'off', size: 11, 'data-testid': 'guess-ack' });
    this.prompt = h('p', { class: 'predict-prompt', id: 'predict-prompt', 'data-testid': 'predict-prompt' });
    this.form = h('form', { class: 'predict-form', 'aria-describedby': 'predict-prompt', 'data-testid': 'predict-form' },
      h('fieldset', {}, h('legend', {}, 'Flags'),
        ...FLAGS.map((f) => h('label', { class: 'check' }, this.boxes.get(f)!, ` ${f}`))),
      h('label', {}, 'seq ', this.seq),
      h('label', {}, 'ack ', this.ack),
      h('button', { type: 'submit', 'data-testid': 'guess-submit' }, 'Reveal'));
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.result = h('div', { class: 'predict-result', role: 'status', 'aria-live': 'polite', 'data-testid': 'predict-result' });
    this.scoreEl = h('p', { class: 'predict-score', 'data-testid': 'predict-score' });
    this.root = h('section', { class: 'panel predict-panel', 'aria-labelledby': 'predict-title' },
      h('div', { class: 'predict-head' }, h('h2', { id: 'predict-title' }, 'Predict the next segment'), this.toggle),
      this.prompt, this.form, this.result, this.scoreEl);
    this.render();
  }

  /** The segment the ladder, log and in-flight table must not give away, or null. */
  get hidden(): number | null {
    return hiddenSegment(this.session, this.on, this.revealed);
  }

  update(session: Session): void {
    const before = this.hidden;
    this.session = session;
    if (this.hidden !== before) {
      this.clearForm();
    }
    this.render();
  }

  private submit(): void {
    const next = this.session ? nextInFlight(this.session.inFlight) : null;
    if (!next || this.hidden !== next.segment.id) {
      return;
    }
    const g = grade({ flags: FLAGS.filter((f) => this.boxes.get(f)!.checked), seq: this.seq.value, ack: this.ack.value }, next.segment);
    this.revealed.add(g.segmentId);
    this.score = addToScore(this.score, g);
    this.showGrade(g);
    this.render();
    this.changed();
  }

  private showGrade(g: Grade): void {
    const line = (name: string, f: Grade['flags']) => h('li', { class: f.right ? 'right' : 'wrong', 'data-testid': `grade-${name}` },
      h('span', { class: 'mark', 'aria-hidden': 'true' }, f.right ? '✓' : '✗'),
      ` ${name}: ${f.right ? 'right' : 'wrong'} — `, f.right ? `${f.actual}` : `you said ${f.guessed}, it is ${f.actual}`);
    this.result.replaceChildren(
      h('p', {}, `Segment #${g.segmentId}: ${g.allRight ? 'all right!' : 'not quite.'}`),
      h('ul', {}, line('flags', g.flags), line('seq', g.seq), line('ack', g.ack)));
  }

  private clearForm(): void {
    for (const box of this.boxes.values()) {
      box.checked = false;
    }
    this.seq.value = '';
    this.ack.value = '';
  }

  private render(): void {
    this.root.classList.toggle('on', this.on);
    const hidden = this.hidden;
    this.form.hidden = hidden === null;
    setText(this.scoreEl, `Score: ${scoreText(this.score)}`);
    this.scoreEl.hidden = !this.on;
    this.result.hidden = !this.on;
    if (!this.on) {
      setText(this.prompt, 'Turn it on to guess each segment’s flags, seq and ack before they are shown.');
      return;
    }
    const next = this.session ? nextInFlight(this.session.inFlight) : null;
    if (hidden !== null && next) {
      const server = this.session!.endpoints.server.address;
      const dir = next.segment.src.startsWith(`${server}:`) ? 'server → client' : 'client → server';
      setText(this.prompt, `Segment #${next.segment.id} (${dir}, arrives at ${fmt(next.deliverAtMs)} ms) is on the wire. What are its flags, seq and ack?`);
    } else {
      setText(this.prompt, next ? 'Guessed: step to deliver it, and the next one will be hidden.' : 'Nothing in flight: act or step, and the next segment will be hidden.');
    }
  }
}
