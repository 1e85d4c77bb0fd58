// Package admin is how admins shape tonebase: the admin JSON API under
// /admin/api/ (clients, caller databases and their columns, rows), guarded by
// the admin token. Handlers are thin: the work is done by the tenant registry
// and the caller-database catalog, reached through the small interfaces
// declared here.
package admin
