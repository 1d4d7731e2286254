// What the caller may do with a ticket right now: the server answers it with every ticket
// detail (`allowed`, computed by the domain's policy::allowed, the same rule that refuses
// changes), so the frontend holds no copy of the permission rules or the lifecycle.

import * as session from './session.js';

const NOTHING = Object.freeze({
  transitions: [], edit: false, reply: false, internal_note: false,
  set_priority: false, assign: false, delete: false, attach: false,
});

/**
 * { transitions: [status...], canEdit, canAssign, canChangePriority, canDelete, canReply,
 *   canAddInternalNote, canAttach } for the logged-in user, from the ticket detail's `allowed`.
 */
export function ticketActions(ticket) {
  const a = (ticket && ticket.allowed) || NOTHING;
  return {
    transitions: a.transitions,
    canEdit: a.edit === true,
    canAssign: a.assign === true,
    canChangePriority: a.set_priority === true,
    canDelete: a.delete === true,
    canReply: a.reply === true,
    canAddInternalNote: a.internal_note === true,
    canAttach: a.attach === true,
  };
}

/** Whether the logged-in user may remove an attachment of this ticket. */
export function canDeleteAttachment(attachment, ticket) {
  const me = session.user();
  if (!me || ticket.status === 'closed') return false;
  return session.isStaff() || Boolean(attachment.uploaded_by && attachment.uploaded_by.id === me.id);
}
