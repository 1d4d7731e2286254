//! Why the policy says no: [`Refusal`], and for a forbidden action the [`Rule`] that forbids it.

use std::fmt;

use crate::code::ErrorCode;
use crate::ticket::Status;

/// The rule of the policy that forbids an action to a caller who sees the ticket.
///
/// Match on the variant (or compare [`Rule::as_str`]) to tell one rule from another; the
/// `Display` text is for people and may be reworded.
///
/// ```
/// use ticketing_domain::policy::Rule;
/// assert_eq!(Rule::PriorityIsStaffOnly.as_str(), "priority_is_staff_only");
/// assert_eq!(Rule::PriorityIsStaffOnly.to_string(), "only staff may change the priority");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum Rule {
    /// Customers may only close their ticket, or reopen it once resolved.
    CustomersOnlyCloseOrReopen,
    /// Only staff set the priority.
    PriorityIsStaffOnly,
    /// Only staff assign tickets.
    AssignmentIsStaffOnly,
    /// Only staff write internal notes.
    InternalNotesAreStaffOnly,
    /// Only staff delete tickets.
    DeletionIsStaffOnly,
    /// Only the uploader or staff remove an attachment.
    RemovalIsForUploaderOrStaff,
    /// Only a message's author or staff attach files to it.
    AttachingIsForAuthorOrStaff,
    /// Only staff have tickets assigned to them.
    AssignedListIsStaffOnly,
    /// Only staff list users.
    UserListIsStaffOnly,
    /// Only admins change roles and deactivate accounts.
    UserManagementIsAdminOnly,
    /// Only staff open a ticket on behalf of someone else.
    OpeningForOthersIsStaffOnly,
    /// Only staff change several tickets in one request.
    BulkChangesAreStaffOnly,
    /// Only staff show that they are viewing or replying to a ticket.
    PresenceIsStaffOnly,
    /// An API token with the `read` scope only reads (GET and HEAD requests).
    ReadOnlyToken,
    /// API tokens are managed, and passwords changed, only by a signed-in user, never with an
    /// API token.
    SignInRequired,
}

impl Rule {
    /// Every rule.
    pub const ALL: [Rule; 15] = [
        Rule::CustomersOnlyCloseOrReopen,
        Rule::PriorityIsStaffOnly,
        Rule::AssignmentIsStaffOnly,
        Rule::InternalNotesAreStaffOnly,
        Rule::DeletionIsStaffOnly,
        Rule::RemovalIsForUploaderOrStaff,
        Rule::AttachingIsForAuthorOrStaff,
        Rule::AssignedListIsStaffOnly,
        Rule::UserListIsStaffOnly,
        Rule::UserManagementIsAdminOnly,
        Rule::OpeningForOthersIsStaffOnly,
        Rule::BulkChangesAreStaffOnly,
        Rule::PresenceIsStaffOnly,
        Rule::ReadOnlyToken,
        Rule::SignInRequired,
    ];

    /// A stable snake_case name of the rule, for logs and machines.
    pub fn as_str(self) -> &'static str {
        self.texts().0
    }

    /// The rule as a sentence for people (what the API answers as the problem's `detail`).
    pub fn message(self) -> &'static str {
        self.texts().1
    }

    fn texts(self) -> (&'static str, &'static str) {
        match self {
            Rule::CustomersOnlyCloseOrReopen => (
                "customers_only_close_or_reopen",
                "customers may only close or reopen a ticket",
            ),
            Rule::PriorityIsStaffOnly => (
                "priority_is_staff_only",
                "only staff may change the priority",
            ),
            Rule::AssignmentIsStaffOnly => {
                ("assignment_is_staff_only", "only staff may assign tickets")
            }
            Rule::InternalNotesAreStaffOnly => (
                "internal_notes_are_staff_only",
                "only staff may write internal notes",
            ),
            Rule::DeletionIsStaffOnly => {
                ("deletion_is_staff_only", "only staff may delete tickets")
            }
            Rule::RemovalIsForUploaderOrStaff => (
                "removal_is_for_uploader_or_staff",
                "only the uploader or staff may remove an attachment",
            ),
            Rule::AttachingIsForAuthorOrStaff => (
                "attaching_is_for_author_or_staff",
                "only the message's author or staff may attach files to it",
            ),
            Rule::AssignedListIsStaffOnly => (
                "assigned_list_is_staff_only",
                "only staff have assigned tickets",
            ),
            Rule::UserListIsStaffOnly => ("user_list_is_staff_only", "only staff may list users"),
            Rule::UserManagementIsAdminOnly => (
                "user_management_is_admin_only",
                "only admins may manage users",
            ),
            Rule::OpeningForOthersIsStaffOnly => (
                "opening_for_others_is_staff_only",
                "only staff may open a ticket for someone else",
            ),
            Rule::BulkChangesAreStaffOnly => (
                "bulk_changes_are_staff_only",
                "only staff may change several tickets at once",
            ),
            Rule::PresenceIsStaffOnly => (
                "presence_is_staff_only",
                "only staff show that they are viewing or replying to a ticket",
            ),
            Rule::ReadOnlyToken => (
                "read_only_token",
                "this API token has the read scope: it may only read (GET and HEAD requests)",
            ),
            Rule::SignInRequired => (
                "sign_in_required",
                "API tokens cannot manage API tokens or change the password; sign in with your \
                 password",
            ),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// Why [`crate::policy::may`] (or a change) says no.
///
/// Each refusal has a stable [`code`](Refusal::code) and the HTTP status it is answered with
/// ([`http_status`](Refusal::http_status)):
///
/// | refusal | code | status |
/// |---|---|---|
/// | `NotVisible` | `not_found` | 404 |
/// | `Forbidden(rule)` | `forbidden` | 403 |
/// | `Closed` | `ticket_closed` | 409 |
/// | `InvalidTransition { .. }` | `conflict` | 409 |
///
/// ```
/// use ticketing_domain::policy::{Refusal, Rule};
/// use ticketing_domain::ErrorCode;
/// let r = Refusal::Forbidden(Rule::PriorityIsStaffOnly);
/// assert_eq!((r.code(), r.http_status()), (ErrorCode::Forbidden, 403));
/// assert_eq!(Refusal::Closed.code().as_str(), "ticket_closed");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
#[non_exhaustive]
pub enum Refusal {
    /// The caller may not even know the ticket exists: it is another customer's, or deleted.
    #[error("ticket not found")]
    NotVisible,
    /// The caller sees the ticket but a rule forbids the action to their role.
    #[error("{0}")]
    Forbidden(Rule),
    /// The ticket is closed: nothing about it may change any more (it may still be deleted).
    #[error("the ticket is closed; it can no longer be changed")]
    Closed,
    /// The lifecycle does not allow this status move.
    #[error("cannot move a ticket from {from} to {to}")]
    InvalidTransition {
        /// The current status.
        from: Status,
        /// The requested status.
        to: Status,
    },
}

impl Refusal {
    /// The stable error code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Refusal::NotVisible => ErrorCode::NotFound,
            Refusal::Forbidden(_) => ErrorCode::Forbidden,
            Refusal::Closed => ErrorCode::TicketClosed,
            Refusal::InvalidTransition { .. } => ErrorCode::Conflict,
        }
    }

    /// The HTTP status the refusal is answered with.
    pub fn http_status(&self) -> u16 {
        self.code().http_status()
    }

    /// The field of a ticket update the refusal is about, when there is one (`status` for an
    /// invalid move).
    pub fn field(&self) -> Option<&'static str> {
        match self {
            Refusal::InvalidTransition { .. } => Some("status"),
            Refusal::NotVisible | Refusal::Forbidden(_) | Refusal::Closed => None,
        }
    }
}
