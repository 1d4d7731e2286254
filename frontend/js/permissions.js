// What the caller may do with a ticket right now. The server is to send this with the ticket
// detail (allowed_transitions, can_edit, can_assign, can_delete, can_reply,
// can_add_internal_note); when it does, its answer is used as is. Until then the same rules are
// derived here — this file is the only copy in the frontend, to be reduced to the first branch.

import * as session from './session.js';

/** The lifecycle's moves (the domain's Status::can_move_to). */
const TRANSITIONS = {
  open: ['in_progress', 'resolved', 'closed'],
  in_progress: ['resolved', 'closed'],
  resolved: ['open', 'in_progress', 'closed'],
  closed: [],
};

/**
 * { transitions: [status...], canEdit, canAssign, canChangePriority, canDelete, canReply,
 *   canAddInternalNote } for the logged-in user.
 */
export function ticketActions(ticket) {
  if (Array.isArray(ticket.allowed_transitions)) {
    return {
      transitions: ticket.allowed_transitions,
      canEdit: ticket.can_edit === true,
      canAssign: ticket.can_assign === true,
      canChangePriority: (ticket.can_change_priority ?? ticket.can_assign) === true,
      canDelete: ticket.can_delete === true,
      canReply: ticket.can_reply === true,
      canAddInternalNote: ticket.can_add_internal_note === true,
    };
  }
  const me = session.user();
  const staff = session.isStaff();
  const owner = Boolean(me && ticket.user && ticket.user.id === me.id);
  const open = ticket.status !== 'closed';
  const moves = TRANSITIONS[ticket.status] || [];
  let transitions = [];
  if (staff) transitions = moves;
  else if (owner) transitions = moves.filter((s) => s === 'closed' || s === 'open');
  return {
    transitions,
    canEdit: open && (staff || owner),
    canAssign: open && staff,
    canChangePriority: open && staff,
    canDelete: staff,
    canReply: open && (staff || owner),
    canAddInternalNote: open && staff,
  };
}

/** Whether the logged-in user may remove an attachment of this ticket. */
export function canDeleteAttachment(attachment, ticket) {
  const me = session.user();
  if (!me || ticket.status === 'closed') return false;
  return session.isStaff() || Boolean(attachment.uploaded_by && attachment.uploaded_by.id === me.id);
}
