package ivr

import (
	"errors"
	"io"

	"github.com/tonebase/tonebase/columndb"
)

// ImportSigned applies a signed CSV file as merchants post it to
// /cppdb/api/file, in bounded memory: the body goes to a temporary file in
// the work folder while its signature is computed, and only once the
// signature holds are rows read back from disk and written, a batch at a
// time. The client and database are checked before the body is read, in
// the JSON upload's order, so an unknown one costs no disk. The signature
// covers the mode as well as the body (prove), and one already applied to
// the database is refused (AlreadyApplied).
func (s *Service) ImportSigned(u Signed, mode ImportMode, body io.Reader) (ImportResult, error) {
	t, password, err := s.uploadKey(u)
	if err != nil {
		return ImportResult{}, err
	}
	p, err := s.prove(t, u, password, "POST", EndpointFile, string(mode))
	if err != nil {
		return ImportResult{}, err
	}
	f, err := s.cfg.Spools.SpoolUnproven(body, s.maxUpload(), p)
	if err != nil {
		return ImportResult{}, err
	}
	defer f.Discard()
	cl, err := p.admit()
	if err != nil {
		return ImportResult{}, err
	}
	f.Proven()
	defer cl.release()
	res, err := s.importInto(t, FormatCSV, f, ImportOptions{Mode: mode})
	if err != nil {
		return ImportResult{}, err
	}
	return res, cl.applied()
}

// uploadKey finds what a signed upload is checked against: the client's
// upload password and the database's table, refusing an unknown client
// before an unknown database (the ActivePay order). authorize and
// ImportSigned both start here.
func (s *Service) uploadKey(u Signed) (*columndb.Table, string, error) {
	password, err := s.clients.UploadPassword(u.CID)
	if err != nil {
		return nil, "", ErrInvalidClient
	}
	t, err := s.catalog.Table(u.CID, u.DBID)
	if errors.Is(err, ErrNoDatabase) {
		return nil, "", ErrInvalidDatabase
	}
	if err != nil {
		return nil, "", err
	}
	return t, password, nil
}

// defaultMaxUpload is the upload limit when Config.MaxUpload is not set,
// as serve's --max-upload-mb default.
const defaultMaxUpload = 64 << 20

func (s *Service) maxUpload() int64 {
	if s.cfg.MaxUpload > 0 {
		return int64(s.cfg.MaxUpload)
	}
	return defaultMaxUpload
}
