// The recipient editor: one input per address, with add and remove buttons. A notification can
// have at most MAX_RECIPIENTS; the editor refuses an extra one by every path (the add button,
// typing a separator, pasting a list) and says why, before the API would have to.

import { h } from './dom.js';

export const MAX_RECIPIENTS = 10;
export const LIMIT_MESSAGE = `A notification can have at most ${MAX_RECIPIENTS} recipients.`;

// Separators between addresses: pasted lists may use any of them; typed ones, only , and ;
// (a typed space is more likely a slip inside an address than the end of one).
const PASTED = /[\s,;]+/;
const TYPED = /[,;]/;

export class Recipients {
  constructor({ list, addButton, count, limit, describedBy, iconSrc, onChange = () => {} }) {
    Object.assign(this, { list, addButton, count, limit, describedBy, iconSrc, onChange });
    addButton.addEventListener('click', () => this.add('', { focus: true }));
  }

  inputs() {
    return [...this.list.querySelectorAll('input')];
  }

  // values are the non-empty addresses, trimmed, in order.
  values() {
    return this.inputs().map((i) => i.value.trim()).filter(Boolean);
  }

  set(values) {
    this.list.replaceChildren();
    this.rows = 0;
    const vs = values.slice(0, MAX_RECIPIENTS);
    for (const v of vs.length ? vs : ['']) this.add(v);
  }

  // add appends a row (after the row of `after`, if given) and returns its input, or refuses
  // and returns null when the list is full.
  add(value = '', { focus = false, after = null } = {}) {
    if (this.inputs().length >= MAX_RECIPIENTS) {
      this.refuse([]);
      return null;
    }
    const input = h('input', {
      type: 'text', inputmode: 'email', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false',
      placeholder: 'name@example.com', value, 'aria-describedby': this.describedBy,
    });
    input.addEventListener('paste', (e) => this.onPaste(e, input));
    input.addEventListener('input', () => this.onInput(input));
    const li = h('li', {}, input,
      h('button', { type: 'button', class: 'btn-icon', onclick: () => this.remove(li) },
        h('img', { src: this.iconSrc, alt: '', width: 16, height: 16 })));
    if (after) after.closest('li').after(li);
    else this.list.append(li);
    this.update();
    if (focus) input.focus();
    return input;
  }

  // remove drops a row and moves focus to a neighbour; the last row is emptied instead, so
  // there is always somewhere to type.
  remove(li) {
    const rows = [...this.list.children];
    if (rows.length === 1) {
      const input = li.querySelector('input');
      input.value = '';
      input.focus();
      this.update();
      return;
    }
    const i = rows.indexOf(li);
    li.remove();
    const next = this.list.children[Math.min(i, this.list.children.length - 1)];
    next.querySelector('input').focus();
    this.update();
  }

  onPaste(e, input) {
    const text = e.clipboardData?.getData('text') ?? '';
    const pasted = text.split(PASTED).filter(Boolean);
    if (pasted.length < 2) return; // one address: the browser pastes it as usual
    e.preventDefault();
    const v = input.value;
    const before = v.slice(0, input.selectionStart ?? v.length);
    const after = v.slice(input.selectionEnd ?? v.length);
    const all = `${before} ${pasted.join(' ')} ${after}`.split(PASTED).filter(Boolean);
    this.spread(input, all, null);
  }

  onInput(input) {
    if (!TYPED.test(input.value)) {
      this.onChange();
      return;
    }
    // "a@x.com, b@x.com, c" → two finished addresses and "c" still being typed.
    const parts = input.value.split(TYPED);
    const tail = parts.pop().trimStart();
    this.spread(input, parts.map((p) => p.trim()).filter(Boolean), tail);
  }

  // spread puts addresses into input and new rows after it, then a row for the tail (text
  // still being typed, maybe empty) to continue in. Whatever doesn't fit is refused.
  spread(input, addresses, tail) {
    const items = tail === null ? addresses : [...addresses, tail];
    if (items.length === 0) {
      input.value = '';
      this.update();
      return;
    }
    input.value = items[0];
    const rest = items.slice(1);
    const room = MAX_RECIPIENTS - this.inputs().length;
    let last = input;
    for (const v of rest.slice(0, room)) last = this.add(v, { after: last });
    last.focus();
    last.setSelectionRange(last.value.length, last.value.length);
    this.update();
    if (rest.length > room) this.refuse(rest.slice(room).filter(Boolean));
  }

  // refuse says that the list is full, naming the addresses that were left out, if any.
  refuse(dropped) {
    const n = dropped.length;
    this.limit.textContent = n === 0 ? LIMIT_MESSAGE
      : `${LIMIT_MESSAGE} ${n === 1 ? 'This address was' : `These ${n} addresses were`} not added: ${dropped.join(', ')}.`;
    this.limit.scrollIntoView({ block: 'nearest' });
  }

  // update relabels the rows, enables or disables the add button, and, when the number of
  // rows changed, says whether the list is full (a refusal stays until then).
  update() {
    const inputs = this.inputs();
    inputs.forEach((input, i) => {
      input.setAttribute('aria-label', `Recipient ${i + 1}`);
      input.nextElementSibling.setAttribute('aria-label', `Remove recipient ${i + 1}`);
    });
    const full = inputs.length >= MAX_RECIPIENTS;
    this.addButton.disabled = full;
    this.count.textContent = `${inputs.length} of ${MAX_RECIPIENTS}`;
    if (inputs.length !== this.rows) this.limit.textContent = full ? LIMIT_MESSAGE : '';
    this.rows = inputs.length;
    this.onChange();
  }
}
