// Package web is the admin web pages under /admin/: sign-in, clients,
// caller databases and their fields, row search and edit, debtor-file
// imports, the lookup tester, the dashboard and the audit log. Pages are
// rendered on the server with html/template from embedded files and work
// without JavaScript; a small script adds an upload progress bar, a live
// DTMF check and copy buttons. The work is done by the tenant registry and
// the ivr service, reached through small interfaces declared here.
package web
