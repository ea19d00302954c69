// A rule's recent deliveries: each attempt's outcome, time, event, HTTP status and error, a way
// to send any of them again, and a way to send a test.

import { api } from './api.js';
import { $, h, show, formatTime, ago, openDialog, busy, isBusy } from './dom.js';
import { openTestSend, showPending, showResult } from './operate.js';

const dialog = $('#deliveries-dialog');
const body = $('#deliveries-body');
const table = $('#deliveries-table');
const status = $('#deliveries-status');
const result = $('#deliveries-result');
const error = $('#deliveries-error');
const more = $('#deliveries-more');

const PAGE = 20;
let current = null; // { rule, eventTypes, onDelivered } of the open dialog
let cursor = '';
let generation = 0; // drops answers for a dialog opened for another rule since
let opened = 0; // counts openings, so a redelivery's answer lands only in the dialog it was asked in

// openDeliveries shows rule's deliveries. onDelivered(name) runs after a test or a redelivery
// made from here, so the caller can refresh what it shows of the rule's latest delivery.
export function openDeliveries({ rule, eventTypes, onDelivered }) {
  current = { rule, eventTypes, onDelivered };
  opened++;
  $('#deliveries-title').textContent = `Recent deliveries: ${rule.name}`;
  $('#deliveries-name').textContent = rule.name;
  $('#deliveries-test').setAttribute('aria-label', `Send a test to ${rule.name}`);
  result.hidden = true;
  show(error, '');
  openDialog(dialog);
  load(false);
}

async function load(older) {
  if (!current) return;
  const { name } = current.rule;
  const gen = ++generation;
  if (!older) {
    cursor = '';
    body.replaceChildren();
    table.hidden = true;
    more.hidden = true;
  }
  status.textContent = 'Loading deliveries…';
  try {
    const page = await api.deliveries(name, { limit: PAGE, cursor: older ? cursor : '' });
    if (gen !== generation) return;
    body.append(...page.deliveries.map(row));
    cursor = page.next_cursor || '';
    more.hidden = !cursor;
    const n = body.children.length;
    table.hidden = n === 0;
    status.textContent = n === 0
      ? 'No deliveries yet. They appear here when an event this notification subscribes to happens, or when you send a test.'
      : `${n} ${n === 1 ? 'delivery' : 'deliveries'} shown.`;
  } catch (err) {
    if (gen === generation) status.textContent = `The deliveries could not be loaded: ${err.message}`;
  }
}

function row(d) {
  const data = { delivery: d.delivery_id, outcome: d.outcome };
  if (d.test) data.test = 'true';
  const what = `${d.test ? 'test ' : ''}${d.event_type} event ${d.event_id}, attempt ${d.attempt}`;
  const again = h('button', {
    type: 'button', class: 'btn-link', 'data-action': 'redeliver', 'aria-label': `Redeliver ${what}`,
  }, 'Redeliver');
  again.addEventListener('click', () => redeliver(again, d));
  // data-label names each cell where a phone shows a row as a card, without the header.
  const cell = (label, attrs, ...content) => h('td', { ...attrs, dataset: { label } }, ...content);
  return h('tr', { dataset: data },
    cell('Outcome', {},
      h('span', { class: `badge ${d.outcome}` }, d.outcome),
      d.attempt > 1 && h('span', { class: 'when' }, `attempt ${d.attempt}`)),
    cell('Time', {},
      h('time', { datetime: d.time }, formatTime(d.time)),
      h('span', { class: 'when' }, ago(d.time))),
    cell('Event', {},
      h('span', { class: 'event-line' },
        h('span', { class: 'chip' }, d.event_type),
        d.test && h('span', { class: 'badge test', title: 'A test sent from the portal or the API' }, 'test')),
      h('span', { class: 'when mono' }, d.event_id)),
    cell('Status', {}, d.status ? String(d.status) : '—'),
    cell('Error', { class: d.error ? 'error-text' : 'muted' }, d.error || '—'),
    h('td', { class: 'cell-actions' }, again));
}

// redeliver sends d's delivery again (same delivery id, so the same webhook-id), says how it
// went, and reloads the list with the new attempt on top, keeping focus on its button.
async function redeliver(btn, d) {
  if (!current || isBusy(btn)) return;
  const { rule, onDelivered } = current;
  const at = opened;
  busy(btn, true);
  show(error, '');
  showPending(result, `Redelivering the ${d.event_type} event ${d.event_id}…`);
  try {
    const res = await api.redeliver(rule.name, d.delivery_id);
    onDelivered?.(rule.name);
    if (at !== opened) return;
    showResult(result, res, { what: `Redelivery (attempt ${res.attempt})`, name: rule.name });
    await load(false);
    if (at !== opened) return;
    const again = body.querySelector(`tr[data-delivery="${CSS.escape(d.delivery_id)}"] [data-action="redeliver"]`);
    if (again) again.focus();
    else dialog.querySelector('[data-close].btn')?.focus();
  } catch (err) {
    if (at !== opened) return;
    result.hidden = true;
    if (err.status === 404) load(false);
    if (err.status !== 401) show(error, `The ${d.event_type} event ${d.event_id} could not be redelivered: ${err.message}`);
  } finally {
    busy(btn, false);
  }
}

$('#deliveries-test').addEventListener('click', () => {
  if (!current) return;
  const { rule, eventTypes, onDelivered } = current;
  const at = opened;
  openTestSend({
    rule, eventTypes,
    onSent: () => {
      onDelivered?.(rule.name);
      if (at === opened && dialog.open) load(false);
    },
  });
});

$('#deliveries-refresh').addEventListener('click', () => load(false));
more.addEventListener('click', () => load(true));
