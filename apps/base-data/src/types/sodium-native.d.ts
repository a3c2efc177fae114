/** The part of sodium-native 5 (libsodium bindings) that the PII cipher uses. */
declare module 'sodium-native' {
  export const crypto_aead_xchacha20poly1305_ietf_ABYTES: number;
  export const crypto_aead_xchacha20poly1305_ietf_NPUBBYTES: number;
  export const crypto_aead_xchacha20poly1305_ietf_KEYBYTES: number;
  /** Writes the ciphertext into `c` (as long as `m`) and the tag into `mac`; returns the ciphertext's length. */
  export function crypto_aead_xchacha20poly1305_ietf_encrypt_detached(c: Buffer, mac: Buffer, m: Buffer, ad: Buffer | null, nsec: null, npub: Buffer, k: Buffer): number;
  /** Writes the plain text into `m`; throws when the tag does not verify. */
  export function crypto_aead_xchacha20poly1305_ietf_decrypt_detached(m: Buffer, nsec: null, c: Buffer, mac: Buffer, ad: Buffer | null, npub: Buffer, k: Buffer): void;
  /** SHA-256 of `input` into `out` (32 bytes). */
  export function crypto_hash_sha256(out: Buffer, input: Buffer): void;
  /** Size of a streaming SHA-256 state (a plain buffer: a copy resumes it). */
  export const crypto_hash_sha256_STATEBYTES: number;
  export function crypto_hash_sha256_init(state: Buffer): void;
  export function crypto_hash_sha256_update(state: Buffer, input: Buffer): void;
  /** Writes the digest (32 bytes) into `out`. */
  export function crypto_hash_sha256_final(state: Buffer, out: Buffer): void;
}
