// Package mfa is the host's second factor: TOTP (RFC 6238) codes from an
// authenticator app, for the embedded authorization server's login and
// for the approval of sensitive calls.
//
// A principal's secret is made at enrolment (`billy-mcp users totp
// enroll`), shown once as an otpauth:// URL, sealed with the credentials
// key ring (bound to the principal) and kept in the store; enrolment is
// confirmed by the first good code. pquerna/otp checks a code against the
// secret and nothing else, so this package adds what it leaves out: a
// code's time step is accepted once per principal (store.ConsumeOnce, on
// every instance), and failed codes are counted per principal (and per
// client address) in a window, beyond which every code is refused until
// the window ends.
//
// Approvals (approval.go) bind one sensitive call (principal,
// organization, tool, arguments hash) to a fresh code given out of band.
package mfa
