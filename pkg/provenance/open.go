package provenance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"

	ita "github.com/in-toto/attestation/go/v1"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/portmatrix/portmatrix/pkg/signing"
)

// MaxBytes bounds a provenance file Open reads.
const MaxBytes = 64 << 20

// Verified is what Open found in a provenance file.
type Verified struct {
	// Subjects are the artifacts every statement names, with their
	// SHA-256, in file order.
	Subjects []Artifact
	// Signed says every envelope carries at least one signature.
	Signed bool
	// KeyIDs are the fingerprints of the keys given whose signatures
	// verified (empty when no key was given).
	KeyIDs []string
	// Statements counts the statements (lines).
	Statements int
}

// Open reads a provenance file (one DSSE envelope per line), checks each
// envelope's payload type, verifies its signatures with keys when any are
// given (one must verify on every line), decodes the statement and checks
// it is an in-toto Statement with SLSA provenance v1 and sha256 digests.
// Errors name the line; nothing here panics on bad input.
func Open(ctx context.Context, data []byte, keys ...*signing.PublicKey) (*Verified, error) {
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("larger than %d MiB", MaxBytes>>20)
	}
	v := &Verified{Signed: true}
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), MaxBytes)
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		v.Statements++
		if err := openLine(ctx, text, keys, v, seen); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if v.Statements == 0 {
		return nil, fmt.Errorf("no DSSE envelope in it")
	}
	return v, nil
}

// openLine reads one envelope into v.
func openLine(ctx context.Context, text []byte, keys []*signing.PublicKey, v *Verified, seen map[string]bool) error {
	var env dsse.Envelope
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&env); err != nil {
		return fmt.Errorf("not a DSSE envelope: %v", err)
	}
	if env.PayloadType != PayloadType {
		return fmt.Errorf("payloadType %q, want %q", env.PayloadType, PayloadType)
	}
	payload, err := env.DecodeB64Payload()
	if err != nil {
		return fmt.Errorf("payload: %v", err)
	}
	if len(env.Signatures) == 0 {
		v.Signed = false
	}
	if len(keys) > 0 {
		if len(env.Signatures) == 0 {
			return ErrNotSigned
		}
		var verifiers []dsse.Verifier
		for _, k := range keys {
			verifiers = append(verifiers, k.DSSE())
		}
		ev, err := dsse.NewEnvelopeVerifier(verifiers...)
		if err != nil {
			return err
		}
		accepted, err := ev.Verify(ctx, &env)
		if err != nil {
			return fmt.Errorf("no signature verifies with the keys given (%s)", keyList(keys))
		}
		for _, a := range accepted {
			for _, k := range keys {
				if k.Matches(a.Public) && !seen[k.KeyID()] {
					seen[k.KeyID()] = true
					v.KeyIDs = append(v.KeyIDs, k.KeyID())
				}
			}
		}
	}
	var st ita.Statement
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(payload, &st); err != nil {
		return fmt.Errorf("not an in-toto statement: %v", err)
	}
	if st.GetType() != StatementType {
		return fmt.Errorf("_type %q, want %q", st.GetType(), StatementType)
	}
	if err := st.Validate(); err != nil {
		return fmt.Errorf("in-toto statement: %v", err)
	}
	if st.GetPredicateType() != PredicateType {
		return fmt.Errorf("predicateType %q, want %q", st.GetPredicateType(), PredicateType)
	}
	for _, s := range st.GetSubject() {
		sum := s.GetDigest()["sha256"]
		if sum == "" {
			return fmt.Errorf("subject %q has no sha256 digest", s.GetName())
		}
		v.Subjects = append(v.Subjects, Artifact{Name: s.GetName(), SHA256: sum})
	}
	return nil
}

func keyList(keys []*signing.PublicKey) string {
	ids := make([]string, len(keys))
	for i, k := range keys {
		ids[i] = k.KeyID()
	}
	return strings.Join(ids, ", ")
}
