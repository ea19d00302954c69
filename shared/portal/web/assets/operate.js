// Operating a rule: sending it a test event now, and saying how a send made on request went
// (a test or a redelivery). Both answer with the outcome at once; a failed delivery is still a
// successful request, and the answer says why it failed.

import { api } from './api.js';
import { $, h, show, openDialog, busy, isBusy } from './dom.js';

// showPending puts a "working" line in box, a polite status region.
export function showPending(box, text) {
  box.className = 'result pending';
  delete box.dataset.outcome;
  box.replaceChildren(h('span', { class: 'result-text' }, h('span', { class: 'result-head' }, text)));
  box.hidden = false;
}

// showResult puts the outcome of a send in box: a badge and one sentence a screen reader can
// read alone ("The test reached hooks (HTTP 200, 84 ms)."), then why it failed, if it did.
// what names the send: "The test", "Redelivery (attempt 2)".
export function showResult(box, res, { what, name }) {
  const delivered = res.outcome === 'delivered';
  const how = [res.status ? `HTTP ${res.status}` : '', `${res.duration_ms}\u00a0ms`].filter(Boolean).join(', ');
  const head = `${what} ${delivered ? 'reached' : 'did not reach'} ${name} (${how}).`;
  let detail = '';
  if (delivered && res.message_id) detail = `SES message id: ${res.message_id}`;
  if (!delivered) detail = `Reason: ${res.error || 'none given'}`;
  box.className = `result ${delivered ? 'delivered' : 'failed'}`;
  box.dataset.outcome = res.outcome;
  box.replaceChildren(
    h('span', { class: `badge ${res.outcome}` }, res.outcome),
    h('span', { class: 'result-text' },
      h('span', { class: 'result-head' }, head),
      detail && h('span', { class: 'result-detail' }, detail)));
  box.hidden = false;
}

// The test dialog.
const dialog = $('#test-dialog');
const form = $('#test-form');
const select = $('#test-event');
const send = $('#test-send');
const result = $('#test-result');
const error = $('#test-error');

let current = null; // { rule, onSent } of the open dialog
let generation = 0; // drops answers meant for a dialog opened since

// openTestSend opens the test dialog for rule. The admin picks one of the rule's events (its
// first by default) and sends; onSent(result) runs after every send the API carried out, so
// the caller can show the new delivery.
export function openTestSend({ rule, eventTypes, onSent }) {
  generation++;
  current = { rule, onSent };
  $('#test-title').textContent = `Send a test to ${rule.name}`;
  $('#test-name').textContent = rule.name;
  const title = (name) => eventTypes.find((t) => t.name === name)?.title || name;
  select.replaceChildren(...rule.events.map((e) => h('option', { value: e }, `${title(e)} (${e})`)));
  select.value = rule.events[0];
  result.hidden = true;
  result.replaceChildren();
  show(error, '');
  busy(send, false);
  openDialog(dialog);
  send.focus();
}

form.addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!current || isBusy(send)) return;
  const { rule, onSent } = current;
  const gen = generation;
  const event = select.value;
  busy(send, true);
  show(error, '');
  showPending(result, `Sending a ${event} test to ${rule.name}…`);
  try {
    const res = await api.test(rule.name, event);
    onSent?.(res); // even if the dialog was closed meanwhile: the delivery happened
    if (gen !== generation) return;
    showResult(result, res, { what: 'The test', name: rule.name });
  } catch (err) {
    if (gen !== generation) return;
    result.hidden = true;
    if (err.status !== 401) show(error, `The test could not be sent: ${err.message}`);
  } finally {
    if (gen === generation) busy(send, false);
  }
});
