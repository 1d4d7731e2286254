// The attachments panel of a ticket: download links, delete for own uploads (or staff), upload.

import { API, del } from '../api.js';
import { displayName, formatBytes, h, icon, replace, timeEl } from '../dom.js';
import { canDeleteAttachment } from '../permissions.js';
import { confirmDialog, notify, notifyError } from '../ui.js';
import { earlierItems } from './earlier.js';
import { uploadAll, uploadRow } from './uploads.js';

/** A download link for an attachment (file_url is signed: no header needed). */
export function attachmentLink(a) {
  return h('a', { href: a.file_url, class: 'attachment-link', attrs: { download: a.filename, title: `Download ${a.filename}` } },
    icon('file', 'icon attachment-icon'),
    h('span', { class: 'attachment-name', text: a.filename }));
}

/**
 * Builds the panel. ctx: { getTicket(), reload(), onChanged() }. Returns { el, render(ticket) }.
 */
export function attachmentsPanel(ctx) {
  const list = h('ul', { class: 'attachment-list', id: 'attachment-list' });
  const input = h('input', { type: 'file', id: 'attach-input', name: 'file', multiple: true });
  const rows = h('ul', { class: 'upload-list', attrs: { 'aria-label': 'Uploads' } });
  const uploadBtn = h('button', { type: 'submit', class: 'btn btn-small', text: 'Upload' });
  const form = h('form', { class: 'attach-form', id: 'attach-form' },
    h('label', { htmlFor: 'attach-input', text: 'Add files' }), input, uploadBtn, rows);
  const heading = h('h2', { text: 'Attachments' });
  const earlier = earlierItems('attachments');
  const more = h('button', { type: 'button', class: 'btn btn-ghost btn-small', id: 'load-earlier-files', text: 'Show earlier files' });
  const el = h('section', { class: 'card attachments', attrs: { 'aria-labelledby': 'attachments-heading' } }, heading, more, list, form);
  heading.id = 'attachments-heading';

  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      await earlier.load();
      render(ctx.getTicket());
    } catch (err) {
      notifyError(err, 'Earlier files');
    } finally {
      more.disabled = false;
    }
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const files = [...input.files];
    if (!files.length) {
      notify('Choose one or more files first.', 'error');
      input.focus();
      return;
    }
    const ticket = ctx.getTicket();
    const upRows = files.map(uploadRow);
    replace(rows, upRows.map((r) => r.row));
    uploadBtn.disabled = true;
    input.disabled = true;
    try {
      const failures = await uploadAll(ticket.id, files, upRows);
      if (failures < files.length) notify(`${files.length - failures} of ${files.length} files uploaded.`, failures ? 'error' : 'success');
      else notify('No file could be uploaded.', 'error');
      input.value = '';
      if (!failures) replace(rows);
      await ctx.reload();
    } finally {
      uploadBtn.disabled = false;
      input.disabled = false;
    }
  });

  function render(ticket) {
    const items = earlier.items(ticket);
    more.hidden = !earlier.hasMore();
    form.hidden = ticket.status === 'closed';
    if (!items.length) {
      replace(list, h('li', { class: 'muted', text: 'No files attached.' }));
      return;
    }
    replace(list, items.map((a) => {
      const actions = [];
      if (canDeleteAttachment(a, ticket)) {
        const btn = h('button', { type: 'button', class: 'btn btn-ghost btn-small btn-danger-text', text: 'Delete', attrs: { 'aria-label': `Delete ${a.filename}` } });
        btn.addEventListener('click', async () => {
          const ok = await confirmDialog({ title: 'Delete attachment?', message: `“${a.filename}” will be removed from this ticket.`, confirmLabel: 'Delete', danger: true });
          if (!ok) return;
          try {
            await del(`${API}/tickets/${encodeURIComponent(ticket.id)}/attachments/${encodeURIComponent(a.id)}/`);
            earlier.forget(a.id);
            notify(`Deleted ${a.filename}.`, 'success');
            await ctx.reload();
          } catch (err) {
            notifyError(err, 'Delete attachment');
            if (err.status === 409 || err.status === 404) await ctx.reload();
          }
        });
        actions.push(btn);
      }
      return h('li', { class: 'attachment', dataset: { id: a.id } },
        attachmentLink(a),
        h('span', { class: 'attachment-meta muted' },
          `${formatBytes(a.filesize)} · ${displayName(a.uploaded_by)} · `, timeEl(a.uploaded_at, { mode: 'both' })),
        actions);
    }));
  }

  return { el, render };
}

