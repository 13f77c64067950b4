package secretservice

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"math/big"
)

// The transfer algorithms of the Secret Service API ("Transfer of
// Secrets"). dh-ietf1024-sha256-aes128-cbc-pkcs7: Diffie-Hellman over the
// 1024-bit MODP group of RFC 2409 (group 2, generator 2); the shared
// secret, padded to the prime's 128 bytes, goes through HKDF-SHA256 with
// no salt and no info to a 16-byte AES-128 key; each secret is sent
// AES-128-CBC with PKCS#7 padding under a fresh random IV (the parameters).
// Only Go's crypto packages do the work; math/big does the exponentiation
// the standard library has no finite-field DH for.
const (
	AlgPlain = "plain"
	AlgDH    = "dh-ietf1024-sha256-aes128-cbc-pkcs7"
)

var (
	modpPrime, _ = new(big.Int).SetString(""+
		"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"+
		"29024E088A67CC74020BBEA63B139B22514A08798E3404DD"+
		"EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"+
		"E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"+
		"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381"+
		"FFFFFFFFFFFFFFFF", 16)
	modpGenerator = big.NewInt(2)
)

const modpBytes = 128

var errBadPeerKey = errors.New("the client's public key is not a valid group element")

// dhExchange answers a client's public key with ours and the session key.
func dhExchange(peer []byte) (pub, key []byte, err error) {
	if len(peer) == 0 || len(peer) > modpBytes {
		return nil, nil, errBadPeerKey
	}
	y := new(big.Int).SetBytes(peer)
	// 1 < y < p-1: anything else fixes the shared secret.
	pm1 := new(big.Int).Sub(modpPrime, big.NewInt(1))
	if y.Cmp(big.NewInt(1)) <= 0 || y.Cmp(pm1) >= 0 {
		return nil, nil, errBadPeerKey
	}
	x, err := rand.Int(rand.Reader, pm1) // [0, p-2]
	if err != nil {
		return nil, nil, err
	}
	x.Add(x, big.NewInt(1)) // [1, p-1]
	pub = new(big.Int).Exp(modpGenerator, x, modpPrime).FillBytes(make([]byte, modpBytes))
	shared := new(big.Int).Exp(y, x, modpPrime).FillBytes(make([]byte, modpBytes))
	defer clear(shared)
	key, err = hkdf.Key(sha256.New, shared, nil, "", 16)
	if err != nil {
		return nil, nil, err
	}
	return pub, key, nil
}

// seal encrypts a secret under a dh session's key: the IV and the
// ciphertext.
func seal(key, plain []byte) (iv, ct []byte, err error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, err
	}
	iv = make([]byte, aes.BlockSize)
	if _, err := rand.Read(iv); err != nil {
		return nil, nil, err
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	buf := make([]byte, len(plain)+pad)
	copy(buf, plain)
	for i := len(plain); i < len(buf); i++ {
		buf[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(buf, buf)
	return iv, buf, nil
}
