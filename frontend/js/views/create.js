// The "new ticket" dialog: topic, description, priority and optional files, uploaded right after
// the ticket exists, each with its own progress bar and error.

import { API, post, uploadAttachment } from '../api.js';
import { formatBytes, h, replace } from '../dom.js';
import { busy, clearFormErrors, field, notify, openDialog, PRIORITY_LABELS, showFormErrors } from '../ui.js';

/** One row per file: name, size, progress bar, status text. */
export function uploadRow(file) {
  const bar = h('progress', { max: 1, value: 0, attrs: { 'aria-label': `Upload progress of ${file.name}` } });
  const state = h('span', { class: 'upload-state', text: 'Waiting' });
  const row = h('li', { class: 'upload-row' },
    h('span', { class: 'upload-name', text: file.name }),
    h('span', { class: 'upload-size muted', text: formatBytes(file.size) }),
    bar, state);
  return {
    row,
    progress(fraction) {
      bar.value = fraction;
      state.textContent = fraction >= 1 ? 'Processing…' : `${Math.round(fraction * 100)} %`;
    },
    done() {
      bar.value = 1;
      row.classList.add('upload-done');
      state.textContent = 'Uploaded';
    },
    failed(err) {
      row.classList.add('upload-failed');
      state.textContent = `Failed: ${err.userMessage || err.message}`;
      state.setAttribute('role', 'alert');
    },
  };
}

/** Uploads files one after the other; resolves with the number of failures. */
export async function uploadAll(ticketId, files, rows, messageId = null) {
  let failures = 0;
  for (let i = 0; i < files.length; i += 1) {
    const r = rows[i];
    try {
      await uploadAttachment(ticketId, files[i], { messageId, onProgress: (f) => r.progress(f) });
      r.done();
    } catch (err) {
      failures += 1;
      r.failed(err);
    }
  }
  return failures;
}

export function openCreateDialog({ onCreated }) {
  const topic = field({ label: 'Topic', name: 'topic', required: true, attrs: { maxlength: '255', autocomplete: 'off' } });
  const description = field({ label: 'Description', name: 'description', kind: 'textarea', required: true, hint: 'What happened, what you expected, and any steps to reproduce.', attrs: { maxlength: '10000', rows: '6' } });
  const priority = field({ label: 'Priority', name: 'priority', kind: 'select', value: 'medium', options: Object.entries(PRIORITY_LABELS) });
  const files = field({ label: 'Attachments (optional)', name: 'files', type: 'file', props: { multiple: true } });
  const fileList = h('ul', { class: 'upload-list', id: 'create-upload-list', attrs: { 'aria-label': 'Files to upload' } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'create-submit', text: 'Create ticket' });
  const cancel = h('button', { type: 'button', class: 'btn', text: 'Cancel' });
  const formId = 'create-ticket-form';
  const form = h('form', { class: 'form', id: formId, noValidate: true },
    topic, description, priority, files, fileList);
  submit.setAttribute('form', formId);

  const listFiles = () => {
    replace(fileList, [...files.control.files].map((f) => h('li', { class: 'upload-row' },
      h('span', { class: 'upload-name', text: f.name }), h('span', { class: 'upload-size muted', text: formatBytes(f.size) }))));
  };
  files.control.addEventListener('change', listFiles);

  let working = false;
  let created = null;
  const d = openDialog({
    title: 'New ticket',
    className: 'dialog-create',
    content: [form],
    footer: [cancel, submit],
    initialFocus: topic.control,
    // However the dialog ends, a ticket that exists is shown.
    onClose: () => { if (created) onCreated(created); },
  });
  d.dialog.id = 'create-dialog';
  d.dialog.addEventListener('cancel', (event) => {
    if (working) event.preventDefault();
  });
  cancel.addEventListener('click', () => d.close('cancel'));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (created) {
      d.close('done');
      return;
    }
    clearFormErrors(form);
    const body = {
      topic: topic.control.value.trim(),
      description: description.control.value.trim(),
      priority: priority.control.value,
    };
    const errors = {};
    if (!body.topic) errors.topic = ['Enter a topic.'];
    if (!body.description) errors.description = ['Describe the problem.'];
    if (Object.keys(errors).length) {
      showFormErrors(form, { errors });
      return;
    }
    const chosen = [...files.control.files];
    working = true;
    submit.disabled = true;
    cancel.disabled = true;
    try {
      await busy(form, async () => {
        try {
          created = await post(`${API}/tickets/`, body);
        } catch (err) {
          showFormErrors(form, err);
          return;
        }
        if (!chosen.length) return;
        const rows = chosen.map(uploadRow);
        replace(fileList, rows.map((r) => r.row));
        const failures = await uploadAll(created.id, chosen, rows);
        if (failures) {
          notify(`The ticket was created, but ${failures} of ${chosen.length} files could not be uploaded.`, 'error');
        }
        if (failures) created.uploadFailures = failures;
      });
    } finally {
      working = false;
      submit.disabled = false;
      cancel.disabled = false;
    }
    if (!created) return;
    if (created.uploadFailures) {
      // Keep the dialog open so the per-file errors stay visible; the form is done.
      for (const c of form.querySelectorAll('input, select, textarea')) c.disabled = true;
      submit.textContent = 'Go to ticket';
      cancel.hidden = true;
      submit.focus();
      return;
    }
    notify('Ticket created.', 'success');
    d.close('done');
  });
  return d;
}
