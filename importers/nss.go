package importers

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/asn1"
	"errors"
	"fmt"
)

// NSS key4.db decryption: the metaData row "password" holds the global
// salt and an encrypted "password-check"; nssPrivate rows hold the SDR
// keys (a11, encrypted; a102, their ids). Entries are encrypted with
// PBES2 (PBKDF2-HMAC-SHA256 + AES-256-CBC) in current profiles and
// PBE-SHA1-3DES in old ones; the password fed to either is
// SHA1(globalSalt || primaryPassword).

var (
	// ErrPrimaryPassword means the profile has a primary password and the
	// one given (or none) does not open it.
	ErrPrimaryPassword = errors.New("the Thunderbird primary password is needed or wrong")
	errNSSFormat       = errors.New("key4.db entry not understood")
)

var (
	oidPBES2       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	oidHMACSHA256  = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidAES256CBC   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidPBESHA13DES = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 5, 1, 3}
	oidDESEDE3CBC  = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
)

type nssAlg struct {
	Algo   asn1.ObjectIdentifier
	Params asn1.RawValue `asn1:"optional"`
}

type nssEncrypted struct {
	Alg  nssAlg
	Data []byte
}

type nssPBES2Params struct {
	KDF nssAlg
	Enc nssCipher
}

type nssPBKDF2Params struct {
	Salt   []byte
	Iter   int
	KeyLen int    `asn1:"optional"`
	PRF    nssAlg `asn1:"optional"`
}

type nssCipher struct {
	Algo asn1.ObjectIdentifier
	IV   []byte
}

type nssPBEParams struct {
	Salt []byte
	Iter int
}

// nssDecryptPBE decrypts a key4.db entry (DER) with the global salt and
// the primary password.
func nssDecryptPBE(der, globalSalt, primary []byte) ([]byte, error) {
	var e nssEncrypted
	if rest, err := asn1.Unmarshal(der, &e); err != nil || len(rest) != 0 {
		return nil, errNSSFormat
	}
	h := sha1.Sum(append(append([]byte{}, globalSalt...), primary...))
	switch {
	case e.Alg.Algo.Equal(oidPBES2):
		var p nssPBES2Params
		if _, err := asn1.Unmarshal(e.Alg.Params.FullBytes, &p); err != nil || !p.KDF.Algo.Equal(oidPBKDF2) {
			return nil, errNSSFormat
		}
		var kp nssPBKDF2Params
		if _, err := asn1.Unmarshal(p.KDF.Params.FullBytes, &kp); err != nil {
			return nil, errNSSFormat
		}
		if len(kp.PRF.Algo) > 0 && !kp.PRF.Algo.Equal(oidHMACSHA256) {
			return nil, fmt.Errorf("%w: PBKDF2 with %v", errNSSFormat, kp.PRF.Algo)
		}
		if !p.Enc.Algo.Equal(oidAES256CBC) || kp.Iter < 1 || kp.Iter > 10_000_000 {
			return nil, errNSSFormat
		}
		key, err := pbkdf2.Key(sha256.New, string(h[:]), kp.Salt, kp.Iter, 32)
		if err != nil {
			return nil, err
		}
		// NSS stores 14 bytes of the IV; the block cipher gets the DER
		// header of that OCTET STRING (04 0e) in front.
		iv := p.Enc.IV
		if len(iv) == 14 {
			iv = append([]byte{0x04, 0x0e}, iv...)
		}
		return cbcDecrypt(aesBlock(key), iv, e.Data)
	case e.Alg.Algo.Equal(oidPBESHA13DES):
		var p nssPBEParams
		if _, err := asn1.Unmarshal(e.Alg.Params.FullBytes, &p); err != nil {
			return nil, errNSSFormat
		}
		key, iv := nssPBE3DESKey(h[:], p.Salt)
		b, err := des.NewTripleDESCipher(key)
		if err != nil {
			return nil, err
		}
		return cbcDecrypt(b, iv, e.Data)
	}
	return nil, fmt.Errorf("%w: algorithm %v", errNSSFormat, e.Alg.Algo)
}

// nssPBE3DESKey is NSS's PKCS#12-style key derivation for
// PBE-SHA1-3DES entries (nsspkcs5_PFXPBE in softoken).
func nssPBE3DESKey(hp, entrySalt []byte) (key, iv []byte) {
	pes := make([]byte, 20)
	copy(pes, entrySalt)
	chp := sha1.Sum(append(append([]byte{}, hp...), entrySalt...))
	mac := func(parts ...[]byte) []byte {
		m := hmac.New(sha1.New, chp[:])
		for _, p := range parts {
			m.Write(p)
		}
		return m.Sum(nil)
	}
	k1 := mac(pes, entrySalt)
	tk := mac(pes)
	k2 := mac(tk, entrySalt)
	k := append(k1, k2...)
	return k[:24], k[len(k)-8:]
}

func aesBlock(key []byte) cipher.Block {
	b, _ := aes.NewCipher(key) // 32 bytes: never fails
	return b
}

func cbcDecrypt(b cipher.Block, iv, data []byte) ([]byte, error) {
	if len(iv) != b.BlockSize() || len(data) == 0 || len(data)%b.BlockSize() != 0 {
		return nil, errNSSFormat
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(b, iv).CryptBlocks(out, data)
	return unpad(out, b.BlockSize())
}

func unpad(b []byte, bs int) ([]byte, error) {
	n := int(b[len(b)-1])
	if n < 1 || n > bs || n > len(b) || !bytes.Equal(b[len(b)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil, errNSSFormat
	}
	return b[:len(b)-n], nil
}

// nssKeys are the SDR keys of a profile, by CKA_ID.
type nssKeys map[string][]byte

// key4Rows is what import needs from key4.db.
type key4Rows struct {
	globalSalt, check []byte                       // metaData 'password': item1, item2
	private           []struct{ a11, a102 []byte } // nssPrivate
}

// unlockKey4 checks the primary password and decrypts the SDR keys.
func unlockKey4(rows *key4Rows, primary []byte) (nssKeys, error) {
	pc, err := nssDecryptPBE(rows.check, rows.globalSalt, primary)
	if err != nil || string(pc) != "password-check" {
		return nil, ErrPrimaryPassword
	}
	keys := nssKeys{}
	for _, p := range rows.private {
		k, err := nssDecryptPBE(p.a11, rows.globalSalt, primary)
		if err != nil {
			continue // not an SDR key we can use
		}
		keys[string(p.a102)] = k
	}
	return keys, nil
}

type nssSDR struct {
	KeyID []byte
	Enc   nssCipher
	Data  []byte
}

// decrypt opens one logins.json value (DER after base64).
func (k nssKeys) decrypt(der []byte) (string, error) {
	var s nssSDR
	if rest, err := asn1.Unmarshal(der, &s); err != nil || len(rest) != 0 {
		return "", errNSSFormat
	}
	key, ok := k[string(s.KeyID)]
	if !ok {
		return "", errors.New("encrypted with a key that is not in key4.db")
	}
	var b cipher.Block
	var err error
	switch {
	case s.Enc.Algo.Equal(oidDESEDE3CBC):
		if len(key) < 24 {
			return "", errNSSFormat
		}
		b, err = des.NewTripleDESCipher(key[:24])
	case s.Enc.Algo.Equal(oidAES256CBC):
		if len(key) < 32 {
			return "", errNSSFormat
		}
		b, err = aes.NewCipher(key[:32])
	default:
		return "", fmt.Errorf("%w: cipher %v", errNSSFormat, s.Enc.Algo)
	}
	if err != nil {
		return "", err
	}
	out, err := cbcDecrypt(b, s.Enc.IV, s.Data)
	return string(out), err
}
