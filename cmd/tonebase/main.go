// Command tonebase runs the IVR caller-lookup service and the tools a
// merchant needs to integrate with it. It wires packages together and holds
// no logic of its own.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
)

const usage = `tonebase: an embedded IVR caller-lookup service

Usage:
  tonebase serve  [--addr 127.0.0.1:8080] [--data ./tonebase-data] [--demo] [--log-format json|console]
  tonebase hash   --cid N --dbid N --password P [--file body.json | --body '{...}']
  tonebase admin add-user --name NAME [--data ./tonebase-data] [--master-key-file FILE]   (password on stdin or TONEBASE_PASSWORD)
  tonebase upload --cid N --dbid N --password P --file rows.json [--url http://127.0.0.1:8080] [--batch 5000] [--delete]
  tonebase upload --cid N --dbid N --password P --file debtors.csv --mode upsert|replace   (uploads sign with X-Tonebase-Signature; --scheme activepay for the Hash)
  tonebase backup --admin-token T [--url http://127.0.0.1:8080] [--out FILE] > tonebase.backup
  tonebase restore --data DIR [--master-key-file F] < tonebase.backup

Every flag can also be set as TONEBASE_<FLAG> in the environment (TONEBASE_ADDR,
TONEBASE_ADMIN_TOKEN, ...); a flag on the command line wins.
Run "tonebase <command> -h" for a command's flags.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "hash":
		err = hashCmd(os.Args[2:], os.Stdin, os.Stdout)
	case "upload":
		err = uploadCmd(os.Args[2:], os.Stdout, os.Stderr)
	case "backup":
		err = backupCmd(os.Args[2:], os.Stdout, os.Stderr)
	case "restore":
		err = restoreCmd(os.Args[2:], os.Stdin, os.Stderr)
	case "admin":
		err = adminCmd(os.Args[2:], os.Stdin, os.Stdout)
	case "-h", "--help", "help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "tonebase: unknown command %q\n\n%s", os.Args[1], usage)
		os.Exit(2)
	}
	if errors.Is(err, flag.ErrHelp) {
		return // -h printed the command's flags
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tonebase:", err)
		os.Exit(1)
	}
}
