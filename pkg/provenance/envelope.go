package provenance

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"

	"github.com/portmatrix/portmatrix/pkg/signing"
)

// Envelope wraps a statement in a DSSE envelope (payload type PayloadType)
// signed with key, and returns it as one JSON line ending in "\n", the
// .intoto.jsonl form. A nil key gives an envelope with an empty signature
// list: the same statement, which Open reads but reports unsigned and
// which DSSE verifiers refuse. Signatures are deterministic (package
// signing), so the same statement and key give the same line.
func Envelope(ctx context.Context, statement []byte, key *signing.Key) ([]byte, error) {
	if !json.Valid(statement) || !bytes.HasPrefix(bytes.TrimSpace(statement), []byte("{")) {
		return nil, errors.New("the statement is not a JSON object")
	}
	env := &dsse.Envelope{PayloadType: PayloadType, Payload: base64.StdEncoding.EncodeToString(statement), Signatures: []dsse.Signature{}}
	if key != nil {
		es, err := dsse.NewEnvelopeSigner(key.DSSE())
		if err != nil {
			return nil, err
		}
		if env, err = es.SignPayload(ctx, PayloadType, statement); err != nil {
			return nil, fmt.Errorf("signing the provenance with %s: %w", key, err)
		}
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(env); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
