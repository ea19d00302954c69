// The delete confirmation and the shown-once webhook secret.

import { $, show, openDialog } from './dom.js';

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

// showSecret shows a new webhook rule's signing secret, once. Closing the dialog removes it
// from the page.
export function showSecret(name, secret, returnTo) {
  const dialog = $('#secret-dialog');
  const input = $('#secret-value');
  $('#secret-name').textContent = name;
  $('#secret-copied').textContent = '';
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
