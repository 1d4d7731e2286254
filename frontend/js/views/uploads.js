// File uploads shown as rows (name, size, progress bar, state), used by the new-ticket dialog, the
// reply form and the attachments panel.

import { uploadAttachment } from '../api.js';
import { formatBytes, h } from '../dom.js';

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
