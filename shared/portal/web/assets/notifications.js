// Organization Settings → Notifications: the table of the organization's rules, the enabled
// switch, why Herald turned a rule off, and the way into the form, a test send, the deliveries
// and the delete confirmation.

import { api } from './api.js';
import { $, h, show, announce, alertError, timeEl } from './dom.js';
import { openRuleForm } from './rule-form.js';
import { openDeliveries } from './deliveries.js';
import { confirmDelete, showSecret } from './dialogs.js';
import { openTestSend } from './operate.js';

// The event types the API knows, refreshed from GET /v1/event-types; these stand in until then.
let eventTypes = [
  { name: 'login-success', title: 'New sessions', description: 'Triggered on any successful client login.' },
  { name: 'login-failure', title: 'Failed sessions', description: 'Triggered when a client login fails.' },
  { name: 'audit-events', title: 'Audit events', description: 'Triggered by any audited change in the organization.' },
];

// Icons sit next to this module, in the same versioned folder.
const icons = {
  mail: new URL('./mail.svg', import.meta.url).pathname,
  webhook: new URL('./webhook.svg', import.meta.url).pathname,
};

const typeTitle = (name) => eventTypes.find((t) => t.name === name)?.title || name;

const el = {
  newButton: $('#new-notification'),
  memberNotice: $('#member-notice'),
  loading: $('#rules-loading'),
  empty: $('#rules-empty'),
  table: $('#rules-table'),
  body: $('#rules-body'),
};

let generation = 0; // ignores answers meant for an earlier sign-in

// openNotifications shows the tab for the signed-in caller.
export async function openNotifications(me) {
  generation++;
  el.body.replaceChildren();
  el.table.hidden = el.empty.hidden = true;
  el.newButton.hidden = true;
  show(el.memberNotice, '');
  alertError('');
  if (me.role !== 'admin') {
    memberOnly(me);
    return;
  }
  el.newButton.hidden = false;
  el.loading.hidden = false;
  await Promise.all([loadEventTypes(), refresh()]);
  el.loading.hidden = true;
}

function memberOnly(me) {
  el.loading.hidden = true;
  el.newButton.hidden = true;
  el.table.hidden = el.empty.hidden = true;
  el.body.replaceChildren();
  show(el.memberNotice, `Only admins manage notifications. You are signed in as ${me.role} of ${me.org_id}.`);
}

async function loadEventTypes() {
  try {
    const { event_types: types } = await api.eventTypes();
    // "New sessions: triggered on any successful client login." → title and description.
    eventTypes = types.map(({ name, description }) => {
      const [title, rest] = description.split(/:\s*/, 2);
      return rest
        ? { name, title, description: rest[0].toUpperCase() + rest.slice(1) }
        : { name, title: name, description };
    });
  } catch {
    // The built-in list is the same three types; the form still works.
  }
}

// refresh reloads the table, keeping keyboard focus on the same control of the same rule.
async function refresh() {
  const gen = generation;
  const active = document.activeElement;
  const focusRule = active?.closest?.('tr[data-rule]')?.dataset.rule;
  const focusAction = active?.dataset?.action;
  let rules;
  try {
    ({ notifications: rules } = await api.list());
  } catch (err) {
    if (gen !== generation) return;
    if (err.status === 403) {
      const me = { role: $('#who-role').textContent, org_id: $('#who-org').textContent };
      memberOnly(me);
    } else if (err.status !== 401) {
      alertError(`The notifications could not be loaded: ${err.message}`);
    }
    return;
  }
  if (gen !== generation) return;
  const rows = rules.map(row);
  // An auto-disabled rule's reason is a row of its own, under the rule's, across the table.
  el.body.replaceChildren(...rules.flatMap((r, i) => (r.disabled_reason ? [rows[i], reasonRow(r)] : [rows[i]])));
  el.table.hidden = rules.length === 0;
  el.empty.hidden = rules.length > 0;
  if (focusRule && focusAction) {
    el.body.querySelector(`tr[data-rule="${CSS.escape(focusRule)}"] [data-action="${focusAction}"]`)?.focus();
  }
  loadLatest(rules.map((r, i) => [r, rows[i].querySelector('.cell-latest')]), gen); // not awaited
}

// loadLatest fills each row's latest delivery: one request per rule, a few at a time, since an
// organization may have 100 rules and each request is a Lambda invocation.
function loadLatest(queue, gen) {
  const worker = async () => {
    while (queue.length > 0 && gen === generation) {
      const [rule, cell] = queue.shift();
      await fillLatest(rule.name, cell);
    }
  };
  return Promise.all(Array.from({ length: 6 }, worker));
}

async function fillLatest(name, cell) {
  try {
    const { deliveries } = await api.deliveries(name, { limit: 1 });
    cell.replaceChildren(latestBadge(deliveries[0]));
  } catch (err) {
    cell.replaceChildren(h('span', { class: 'muted', title: err.message }, 'unavailable'));
  }
}

// refreshLatest reloads one rule's latest delivery, after a test or a redelivery.
function refreshLatest(name) {
  const cell = el.body.querySelector(`tr[data-rule="${CSS.escape(name)}"] .cell-latest`);
  if (cell) fillLatest(name, cell);
}

function row(rule) {
  const latest = h('td', { class: 'cell-latest', dataset: { label: 'Latest delivery' } },
    h('span', { class: 'muted loading' }, h('span', { 'aria-hidden': 'true' }, '…'),
      h('span', { class: 'visually-hidden' }, 'Loading')));
  const tr = h('tr', { class: rule.disabled_reason ? 'has-reason' : false, dataset: { rule: rule.name } },
    h('td', { class: 'cell-name', dataset: { label: 'Name' } },
      h('span', { class: `rule-name${rule.enabled ? '' : ' disabled'}` }, rule.name),
      typeLine(rule),
      rule.disabled_reason && h('span', { class: 'badge auto-disabled' }, 'Auto-disabled')),
    h('td', { dataset: { label: 'Destination' } }, destination(rule)),
    h('td', { dataset: { label: 'Events' } },
      h('div', { class: 'chips' }, rule.events.map((e) => h('span', { class: 'chip', title: e }, typeTitle(e))))),
    h('td', { dataset: { label: 'Enabled' } }, enabledSwitch(rule)),
    latest,
    h('td', { class: 'cell-actions' },
      h('div', { class: 'actions' },
        h('button', {
          type: 'button', class: 'btn-link', 'data-action': 'test',
          'aria-label': `Send test to ${rule.name}`, onclick: () => testSend(rule),
        }, 'Send test'),
        h('button', {
          type: 'button', class: 'btn-link', 'data-action': 'deliveries',
          'aria-label': `Deliveries of ${rule.name}`,
          onclick: () => openDeliveries({ rule, eventTypes, onDelivered: refreshLatest }),
        }, 'Deliveries'),
        h('button', {
          type: 'button', class: 'btn-link', 'data-action': 'edit',
          'aria-label': `Edit ${rule.name}`, onclick: () => edit(rule),
        }, 'Edit'),
        h('button', {
          type: 'button', class: 'btn-link danger', 'data-action': 'delete',
          'aria-label': `Delete ${rule.name}`, onclick: () => remove(rule),
        }, 'Delete'))));
  return tr;
}

const reasonId = (name) => `reason-${name}`; // names are [a-z0-9-]: a valid id as they are

// reasonRow says why Herald turned rule off, under its row; the switch is described by it, so
// a screen reader hears the reason with the switch.
function reasonRow(rule) {
  return h('tr', { class: 'reason-row', dataset: { reasonFor: rule.name } },
    h('td', { colspan: 6 },
      h('p', { class: 'disabled-reason', id: reasonId(rule.name) },
        h('span', { class: 'visually-hidden' }, 'Auto-disabled: '), rule.disabled_reason,
        rule.disabled_at && [' ', timeEl(rule.disabled_at, 'when-inline')])));
}

// clearReason removes what the row shows of an auto-disable, once a person decided.
function clearReason(tr, input) {
  tr.classList.remove('has-reason');
  tr.querySelector('.badge.auto-disabled')?.remove();
  if (tr.nextElementSibling?.classList.contains('reason-row')) tr.nextElementSibling.remove();
  input.removeAttribute('aria-describedby');
}

const formatNames = {
  generic: 'Generic', slack: 'Slack', teams: 'Microsoft Teams', discord: 'Discord', googlechat: 'Google Chat',
};

// typeLine says how the rule delivers, under its name: "Email", "Webhook · Slack".
function typeLine(rule) {
  const icon = (name) => h('img', { src: icons[name], alt: '', width: 13, height: 13 });
  if (rule.type === 'email') return h('span', { class: 'type' }, icon('mail'), 'Email');
  const fmt = formatNames[rule.format];
  return h('span', { class: 'type' }, icon('webhook'), fmt ? `Webhook · ${fmt}` : 'Webhook');
}

// destination shows the recipients, or the webhook URL as the API lists it (tokens masked).
function destination(rule) {
  if (rule.type === 'webhook') {
    return h('span', { class: 'dest mono', title: rule.webhook_url }, rule.webhook_url);
  }
  const [first, ...rest] = rule.email_recipients || [];
  // A long first address gives way (with an ellipsis) to how many more there are.
  return h('span', { class: 'dest dest-list', title: (rule.email_recipients || []).join(', ') },
    h('span', { class: 'first' }, first || '—'), rest.length > 0 && h('span', { class: 'more' }, ` +${rest.length} more`));
}

function enabledSwitch(rule) {
  const input = h('input', {
    type: 'checkbox', role: 'switch', class: 'switch', checked: rule.enabled,
    'data-action': 'toggle', 'aria-label': `Enabled: ${rule.name}`,
    'aria-describedby': rule.disabled_reason ? reasonId(rule.name) : false,
  });
  // While a change is saving, further clicks are ignored rather than the switch disabled, so it
  // keeps keyboard focus.
  input.addEventListener('click', (e) => {
    if (input.getAttribute('aria-busy') === 'true') e.preventDefault();
  });
  input.addEventListener('change', () => toggle(input, rule));
  return input;
}

// toggle saves the switch at once; if the API refuses, the switch goes back and says why.
async function toggle(input, rule) {
  const want = input.checked;
  input.setAttribute('aria-busy', 'true');
  alertError('');
  try {
    const saved = await api.update(rule.name, { enabled: want });
    rule.enabled = saved.enabled;
    input.checked = saved.enabled;
    const tr = input.closest('tr');
    tr?.querySelector('.rule-name')?.classList.toggle('disabled', !saved.enabled);
    if (tr && rule.disabled_reason && !saved.disabled_reason) clearReason(tr, input);
    rule.disabled_reason = saved.disabled_reason;
    rule.disabled_at = saved.disabled_at;
    announce(`${rule.name} is ${saved.enabled ? 'enabled' : 'disabled'}.`);
  } catch (err) {
    input.checked = !want;
    if (err.status !== 401) alertError(`${rule.name} could not be ${want ? 'enabled' : 'disabled'}: ${err.message}`);
  } finally {
    input.removeAttribute('aria-busy');
  }
}

function latestBadge(d) {
  if (!d) {
    return h('span', { class: 'muted' }, h('span', { 'aria-hidden': 'true' }, '—'),
      h('span', { class: 'visually-hidden' }, 'No deliveries yet'));
  }
  const when = d.test
    ? h('span', { class: 'when when-test' },
      h('span', { class: 'badge test', title: 'A test sent from the portal or the API' }, 'test'), ' ', timeEl(d.time, ''))
    : timeEl(d.time);
  return h('span', { class: 'latest' },
    h('span', { class: `badge ${d.outcome}`, 'data-outcome': d.outcome }, d.outcome), when);
}

function testSend(rule) {
  alertError('');
  openTestSend({ rule, eventTypes, onSent: () => refreshLatest(rule.name) });
}

el.newButton.addEventListener('click', () => {
  openRuleForm({ eventTypes, onSaved: created });
});

function created(rule, secret) {
  alertError('');
  announce(`Created ${rule.name}.`);
  refresh();
  if (secret) showSecret({ name: rule.name, secret, returnTo: el.newButton });
}

async function edit(listed) {
  alertError('');
  let rule;
  try {
    rule = await api.show(listed.name); // the list masks the webhook URL; the form needs it whole
  } catch (err) {
    if (err.status === 404) refresh();
    if (err.status !== 401) alertError(`${listed.name} could not be opened: ${err.message}`);
    return;
  }
  openRuleForm({
    rule, eventTypes,
    onSaved: (saved) => {
      announce(`Saved ${saved.name}.`);
      refresh();
    },
    onRotated: (rotated) => announce(`Rotated the signing secret of ${rotated.name}.`),
  });
}

async function remove(rule) {
  alertError('');
  const deleted = await confirmDelete(rule.name, async () => {
    await api.remove(rule.name);
    announce(`Deleted ${rule.name}.`);
    await refresh();
  });
  if (deleted) el.newButton.focus(); // the row, and the button that opened the dialog, are gone
}
