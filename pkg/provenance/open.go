package provenance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	prov "github.com/in-toto/attestation/go/predicates/provenance/v1"
	ita "github.com/in-toto/attestation/go/v1"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/portmatrix/portmatrix/pkg/signing"
)

// MaxBytes bounds a provenance file Open reads. A release's statement is
// a few KiB per artifact.
const MaxBytes = 64 << 20

// ErrNotSigned is returned by Open when keys are given and an envelope
// has no signature.
var ErrNotSigned = errors.New("the provenance is not signed")

// Verified is what Open found in a provenance file.
type Verified struct {
	// Subjects are the artifacts the statements name, with their SHA-256,
	// in file order.
	Subjects []Artifact
	// Signed says every envelope carries at least one signature. The
	// signatures were verified only when keys were given to Open (then
	// KeyIDs names the keys that verified); without keys, Signed says
	// nothing about who signed.
	Signed bool
	// KeyIDs are the fingerprints ("SHA256:…") of the keys given whose
	// signatures verified; empty when no key was given.
	KeyIDs []string
	// Lines are the envelopes, in file order.
	Lines []Line
}

// Line is one envelope of a provenance file, opened.
type Line struct {
	// Number is the line's number in the file, from 1.
	Number int
	// Payload is the statement's bytes, as signed.
	Payload []byte
	// Statement is the payload decoded and validated.
	Statement *ita.Statement
	// Predicate is the statement's SLSA provenance, decoded and validated.
	Predicate *prov.Provenance
	// Signatures counts the envelope's signatures (verified or not).
	Signatures int
}

// Open reads a provenance file (one DSSE envelope per line, blank lines
// skipped), checks each envelope's payload type, verifies its signatures
// with keys when any are given (one of them must verify every line; a
// signature's keyid, an unauthenticated hint, is ignored), decodes the
// statement and checks it is an in-toto Statement v1 with a valid SLSA
// provenance v1 predicate and sha256 subject digests. Unknown JSON fields
// are ignored, as DSSE and in-toto ask. Errors name the line; nothing here
// panics on bad input.
func Open(ctx context.Context, data []byte, keys ...*signing.PublicKey) (*Verified, error) {
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("%d bytes, more than the %d MiB a provenance file may have", len(data), MaxBytes>>20)
	}
	var ev *dsse.EnvelopeVerifier
	keys = uniqueKeys(keys)
	if len(keys) > 0 {
		verifiers := make([]dsse.Verifier, len(keys))
		for i, k := range keys {
			verifiers[i] = k.DSSE()
		}
		var err error
		if ev, err = dsse.NewEnvelopeVerifier(verifiers...); err != nil {
			return nil, err
		}
	}
	v := &Verified{Signed: true}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), MaxBytes)
	for n := 1; sc.Scan(); n++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		line, signers, err := openLine(ctx, text, ev, keys)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		line.Number = n
		v.Lines = append(v.Lines, line)
		v.Signed = v.Signed && line.Signatures > 0
		for _, s := range line.Statement.GetSubject() {
			v.Subjects = append(v.Subjects, Artifact{Name: s.GetName(), SHA256: s.GetDigest()["sha256"]})
		}
		for _, id := range signers {
			if !seen[id] {
				seen[id] = true
				v.KeyIDs = append(v.KeyIDs, id)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(v.Lines) == 0 {
		return nil, errors.New("no DSSE envelope in it")
	}
	return v, nil
}

// uniqueKeys drops nil keys and repeats of one key (securesystemslib
// prints a notice to stdout when two verifiers share a key).
func uniqueKeys(keys []*signing.PublicKey) []*signing.PublicKey {
	seen := map[string]bool{}
	var out []*signing.PublicKey
	for _, k := range keys {
		if k != nil && !seen[k.KeyID()] {
			seen[k.KeyID()] = true
			out = append(out, k)
		}
	}
	return out
}

// openLine opens one envelope: the line, and the ids of the keys whose
// signatures verified.
func openLine(ctx context.Context, text []byte, ev *dsse.EnvelopeVerifier, keys []*signing.PublicKey) (Line, []string, error) {
	var line Line
	var env dsse.Envelope
	if err := json.Unmarshal(text, &env); err != nil {
		return line, nil, fmt.Errorf("not a DSSE envelope: %v", err)
	}
	if env.PayloadType != PayloadType {
		return line, nil, fmt.Errorf("payloadType %q, want %q", env.PayloadType, PayloadType)
	}
	payload, err := env.DecodeB64Payload()
	if err != nil {
		return line, nil, fmt.Errorf("payload is not base64: %v", err)
	}
	line.Payload, line.Signatures = payload, len(env.Signatures)
	var signers []string
	if ev != nil {
		if len(env.Signatures) == 0 {
			return line, nil, ErrNotSigned
		}
		// keyid is a hint; securesystemslib skips a signature whose keyid
		// is not its own idea of the key's, so clear it.
		hintless := env
		hintless.Signatures = make([]dsse.Signature, len(env.Signatures))
		for i, s := range env.Signatures {
			hintless.Signatures[i] = dsse.Signature{Sig: s.Sig}
		}
		accepted, err := ev.Verify(ctx, &hintless)
		if err != nil {
			return line, nil, fmt.Errorf("no signature verifies with the keys given (%s)", keyList(keys))
		}
		for _, a := range accepted {
			for _, k := range keys {
				if k.Matches(a.Public) {
					signers = append(signers, k.KeyID())
				}
			}
		}
	}
	var st ita.Statement
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(payload, &st); err != nil {
		return line, nil, fmt.Errorf("not an in-toto statement: %v", err)
	}
	if st.GetType() != StatementType {
		return line, nil, fmt.Errorf("_type %q, want %q", st.GetType(), StatementType)
	}
	if err := st.Validate(); err != nil {
		return line, nil, fmt.Errorf("in-toto statement: %v", err)
	}
	if st.GetPredicateType() != PredicateType {
		return line, nil, fmt.Errorf("predicateType %q, want %q", st.GetPredicateType(), PredicateType)
	}
	for _, s := range st.GetSubject() {
		if !isSHA256(s.GetDigest()["sha256"]) {
			return line, nil, fmt.Errorf("subject %q has no sha256 digest", s.GetName())
		}
	}
	pred, err := predicate(&st)
	if err != nil {
		return line, nil, err
	}
	line.Statement, line.Predicate = &st, pred
	return line, signers, nil
}

// predicate decodes and validates the statement's SLSA provenance.
func predicate(st *ita.Statement) (*prov.Provenance, error) {
	b, err := protojson.Marshal(st.GetPredicate())
	if err != nil {
		return nil, fmt.Errorf("predicate: %v", err)
	}
	var p prov.Provenance
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("predicate is not SLSA provenance v1: %v", err)
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("predicate: %v", err)
	}
	return &p, nil
}

func keyList(keys []*signing.PublicKey) string {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.KeyID()
	}
	return strings.Join(ids, ", ")
}
