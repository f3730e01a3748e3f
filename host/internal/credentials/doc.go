// Package credentials keeps the secrets the host holds at rest, sealed
// under the key ring (package keyring), in the store: each organization's
// Billy access token, and the principals' TOTP secrets (package mfa seals
// those with AAD; this package only re-seals them on rotation).
//
// Tokens gives the Billy gateway an organization's token: from the
// configuration for a single-organization deployment (billy.api_key and
// billy.organization_id, v1's BILLY_API_KEY and BILLY_ORGANIZATION_ID), or
// opened from the store. A value sealed under a key the ring does not hold
// makes it reload the ring once (a key file another process rotated), so
// a rotation finishes without a failed call on the hosts serving beside it.
//
// Rotate re-seals every value under the ring's primary key, each as a
// compare-and-set on the value it read, reporting progress; Census counts
// the values per key, so an operator retires a key when its count is zero.
package credentials
