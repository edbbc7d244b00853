//! The back office: users, recovery requests, the audit log.
