// A rule's recent deliveries: each attempt's outcome, time, event, HTTP status and error.

import { api } from './api.js';
import { $, h, formatTime, ago, openDialog } from './dom.js';

const dialog = $('#deliveries-dialog');
const body = $('#deliveries-body');
const table = $('#deliveries-table');
const status = $('#deliveries-status');
const more = $('#deliveries-more');

const PAGE = 20;
let name = '';
let cursor = '';
let generation = 0; // drops answers for a dialog opened for another rule since

export function openDeliveries(ruleName) {
  name = ruleName;
  $('#deliveries-title').textContent = `Recent deliveries: ${name}`;
  $('#deliveries-name').textContent = name;
  openDialog(dialog);
  load(false);
}

async function load(older) {
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
      ? 'No deliveries yet. They appear here when an event this notification subscribes to happens.'
      : `${n} ${n === 1 ? 'delivery' : 'deliveries'} shown.`;
  } catch (err) {
    if (gen === generation) status.textContent = `The deliveries could not be loaded: ${err.message}`;
  }
}

function row(d) {
  return h('tr', { dataset: { delivery: d.delivery_id, outcome: d.outcome } },
    h('td', {},
      h('span', { class: `badge ${d.outcome}` }, d.outcome),
      d.attempt > 1 && h('span', { class: 'when' }, `attempt ${d.attempt}`)),
    h('td', {},
      h('time', { datetime: d.time }, formatTime(d.time)),
      h('span', { class: 'when' }, ago(d.time))),
    h('td', {}, h('span', { class: 'chip' }, d.event_type), h('span', { class: 'when mono' }, d.event_id)),
    h('td', {}, d.status ? String(d.status) : '—'),
    h('td', { class: d.error ? 'error-text' : 'muted' }, d.error || '—'));
}

$('#deliveries-refresh').addEventListener('click', () => load(false));
more.addEventListener('click', () => load(true));
