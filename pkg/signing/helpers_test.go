package signing

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"testing"
)

// MustPublic is k's public half as a PublicKey, for tests.
func MustPublic(t testing.TB, k *Key) *PublicKey {
	t.Helper()
	p, err := ParsePublicKey(k.PublicPEM(), "test")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// RSAKey is a PKCS#8 PEM RSA key, for tests.
func RSAKey(t testing.TB) []byte {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}
