// The delete and secret-rotation confirmations, and the shown-once webhook secret.

import { $, show, openDialog, formatTime, busy } from './dom.js';

// confirmDelete asks before deleting the rule called name. action runs on confirmation; if it
// fails the dialog stays open and says why. It resolves to whether the rule was deleted.
export function confirmDelete(name, action) {
  const dialog = $('#delete-dialog');
  const form = $('#delete-form');
  const confirm = $('#delete-confirm');
  $('#delete-title').textContent = `Delete ${name}?`;
  $('#delete-name').textContent = name;
  confirm.setAttribute('aria-label', `Delete ${name}`);
  show($('#delete-error'), '');
  return new Promise((resolve) => {
    let deleted = false;
    let busy = false;
    const onSubmit = async (e) => {
      e.preventDefault();
      if (busy) return;
      busy = true;
      confirm.setAttribute('aria-disabled', 'true');
      try {
        await action();
        deleted = true;
        dialog.close();
      } catch (err) {
        if (err.status === 401) dialog.close();
        else show($('#delete-error'), `${name} could not be deleted: ${err.message}`);
      } finally {
        busy = false;
        confirm.removeAttribute('aria-disabled');
      }
    };
    form.addEventListener('submit', onSubmit);
    dialog.addEventListener('close', () => {
      form.removeEventListener('submit', onSubmit);
      resolve(deleted);
    }, { once: true });
    openDialog(dialog); // focus starts on Cancel (autofocus): deleting takes a deliberate choice
  });
}

// confirmRotate asks before giving the webhook rule a new signing secret, explaining the
// 24 hours in which both secrets sign. action runs on confirmation and returns the API's answer;
// if it fails the dialog stays open and says why. It resolves to that answer, or null.
export function confirmRotate(rule, action) {
  const dialog = $('#rotate-dialog');
  const form = $('#rotate-form');
  const confirm = $('#rotate-confirm');
  $('#rotate-title').textContent = `Rotate the signing secret of ${rule.name}?`;
  $('#rotate-name').textContent = rule.name;
  // A second rotation within the overlap ends the oldest secret at once.
  const until = rule.previous_secret_expires_at && new Date(rule.previous_secret_expires_at);
  show($('#rotate-recent'), until > Date.now()
    ? `This secret was rotated less than 24 hours ago, so the one before it still signs too. Rotating again stops that one at once, not at ${formatTime(rule.previous_secret_expires_at)}.`
    : '');
  show($('#rotate-error'), '');
  return new Promise((resolve) => {
    let answer = null;
    let working = false;
    const onSubmit = async (e) => {
      e.preventDefault();
      if (working) return;
      working = true;
      busy(confirm, true);
      try {
        answer = await action();
        dialog.close();
      } catch (err) {
        if (err.status === 401) dialog.close();
        else show($('#rotate-error'), `The secret of ${rule.name} could not be rotated: ${err.message}`);
      } finally {
        working = false;
        busy(confirm, false);
      }
    };
    form.addEventListener('submit', onSubmit);
    // Focus starts on Cancel (autofocus), as for a delete. openDialog's close listener, which
    // puts focus back in the form, runs before ours lets the caller open the secret's dialog.
    openDialog(dialog);
    dialog.addEventListener('close', () => {
      form.removeEventListener('submit', onSubmit);
      resolve(answer);
    }, { once: true });
  });
}

// showSecret shows a webhook rule's signing secret, once: a new rule's, or a rotated one's, in
// which case previousExpires says until when the old secret signs too. Closing the dialog
// removes the secret from the page.
export function showSecret({ name, secret, returnTo, previousExpires = '' }) {
  const dialog = $('#secret-dialog');
  const input = $('#secret-value');
  $('#secret-title').textContent = previousExpires ? `New signing secret for ${name}` : 'Webhook signing secret';
  $('#secret-name').textContent = name;
  $('#secret-copied').textContent = '';
  const until = $('#secret-overlap-until');
  until.dateTime = previousExpires;
  until.textContent = previousExpires ? formatTime(previousExpires) : '';
  $('#secret-overlap').hidden = !previousExpires;
  dialog.setAttribute('aria-describedby', previousExpires ? 'secret-text secret-overlap' : 'secret-text');
  input.value = secret;
  dialog.addEventListener('close', () => { input.value = ''; }, { once: true });
  openDialog(dialog, returnTo);
  input.focus();
  input.select();
}

$('#secret-copy').addEventListener('click', async () => {
  const input = $('#secret-value');
  const said = $('#secret-copied');
  try {
    await navigator.clipboard.writeText(input.value);
    said.textContent = 'Copied to the clipboard.';
  } catch {
    // No clipboard access (an insecure origin, or permission refused): select the text so
    // the usual shortcut copies it.
    input.focus();
    input.select();
    said.textContent = document.execCommand('copy')
      ? 'Copied to the clipboard.'
      : 'Selected: press Ctrl+C (⌘C on a Mac) to copy.';
  }
});
