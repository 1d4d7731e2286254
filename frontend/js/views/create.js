// The "new ticket" dialog: topic, description, priority, for staff the requester (a customer the
// ticket is opened for), and optional files, uploaded right after the ticket exists, each with its
// own progress bar and error. Closing it or leaving the screen with text typed asks first.

import { API, post } from '../api.js';
import { formatBytes, h, replace } from '../dom.js';
import { onLeave } from '../navigation.js';
import * as session from '../session.js';
import { busy, clearFormErrors, confirmDialog, field, notify, openDialog, PRIORITY_LABELS, showFormErrors } from '../ui.js';
import { requesterPicker } from './requester.js';
import { uploadAll, uploadRow } from './uploads.js';

const UNSAVED = 'The new ticket is not created yet: its text will be lost.';

export function openCreateDialog({ onCreated }) {
  const topic = field({ label: 'Topic', name: 'topic', required: true, attrs: { maxlength: '255', autocomplete: 'off' } });
  const description = field({ label: 'Description', name: 'description', kind: 'textarea', required: true, hint: 'What happened, what you expected, and any steps to reproduce.', attrs: { maxlength: '10000', rows: '6' } });
  const priority = field({ label: 'Priority', name: 'priority', kind: 'select', value: 'medium', options: Object.entries(PRIORITY_LABELS) });
  const requester = session.isStaff() ? requesterPicker() : null;
  const files = field({ label: 'Attachments (optional)', name: 'files', type: 'file', props: { multiple: true } });
  const fileList = h('ul', { class: 'upload-list', id: 'create-upload-list', attrs: { 'aria-label': 'Files to upload' } });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', id: 'create-submit', text: 'Create ticket' });
  const cancel = h('button', { type: 'button', class: 'btn', text: 'Cancel' });
  const formId = 'create-ticket-form';
  const form = h('form', { class: 'form', id: formId, noValidate: true },
    requester ? requester.el : null, topic, description, priority, files, fileList);
  submit.setAttribute('form', formId);

  const listFiles = () => {
    replace(fileList, [...files.control.files].map((f) => h('li', { class: 'upload-row' },
      h('span', { class: 'upload-name', text: f.name }), h('span', { class: 'upload-size muted', text: formatBytes(f.size) }))));
  };
  files.control.addEventListener('change', listFiles);

  let working = false;
  let created = null;
  const typed = () => !created && Boolean(topic.control.value.trim() || description.control.value.trim());
  const dropCheck = onLeave(() => (typed() ? { message: UNSAVED, kept: false } : null));
  const d = openDialog({
    title: 'New ticket',
    className: 'dialog-create',
    content: [form],
    footer: [cancel, submit],
    initialFocus: topic.control,
    confirmClose: async () => !working && (!typed() || confirmDialog({
      title: 'Discard this ticket?', message: UNSAVED, confirmLabel: 'Discard', cancelLabel: 'Keep editing',
    })),
    // However the dialog ends, a ticket that exists is shown.
    onClose: () => {
      dropCheck();
      if (requester) requester.cancel();
      if (created) onCreated(created);
    },
  });
  d.dialog.id = 'create-dialog';
  cancel.addEventListener('click', () => d.cancel());

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
    if (requester && requester.value()) body.requester = requester.value();
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
