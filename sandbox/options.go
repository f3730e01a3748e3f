package sandbox

import (
	"fmt"
	"time"

	"github.com/hashicorp/go-hclog"
)

// Business kinds: each seeds one organization with its own kind of history.
const (
	BusinessFreelancer = "freelancer" // few customers, consulting hours, mostly domestic
	BusinessRetail     = "retail"     // many small invoices, a December peak
	BusinessService    = "service"    // monthly recurring invoices, EU customers under reverse charge
)

// businesses is the order organizations are created in when Options.Business
// is empty; the first is the default organization.
var businesses = []string{BusinessFreelancer, BusinessRetail, BusinessService}

// Options configures a sandbox.
type Options struct {
	// Token is the access token clients must send in X-Access-Token. Empty
	// accepts any non-empty token.
	Token string
	// Seed makes the generated data (and the fault injection's dice)
	// reproducible: the same seed gives the same organizations, contacts,
	// invoices and IDs.
	Seed int64
	// Business is "freelancer", "retail", "service", or "" for all three as
	// separate organizations.
	Business string
	// Now is the clock; the generated history ends on Now's day at New.
	// Nil means time.Now.
	Now func() time.Time
	// Today, when set, is the day the generated history ends instead of
	// Now's: with a Seed it pins every record, date and ID from one day to
	// the next (recorded sessions, demos). Only its date counts; the clock
	// (write times, what is overdue) stays Now.
	Today time.Time
	// Logger gets the request log (debug) and start-up lines; nil discards.
	Logger hclog.Logger
	// LogTokens puts each organization's access token in the start-up
	// lines, for the standalone sandbox whose users need them. The
	// embedded sandbox leaves it off: its tokens never leave the host.
	LogTokens bool
	// StateFile keeps the data across process restarts: New loads it when
	// it exists (it must have been saved with the same Seed and Business),
	// and Serve saves it, atomically, when it stops. Empty keeps the data
	// in memory only. See SaveState.
	StateFile string
}

func (o Options) withDefaults() (Options, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = hclog.NewNullLogger()
	}
	switch o.Business {
	case "", BusinessFreelancer, BusinessRetail, BusinessService:
	default:
		return o, fmt.Errorf("sandbox: unknown business %q (want freelancer, retail, service or empty for all)", o.Business)
	}
	return o, nil
}

// Organization describes one seeded organization, so that clients know
// which organization to use and with which token.
type Organization struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Business       string `json:"business"`
	RegistrationNo string `json:"registrationNo"`
	// AccessToken is this organization's own company token, such as
	// "sbx-retail-3f9c…", derived from Options.Token and the ID. Like a
	// Billy access token it reaches this organization only.
	AccessToken string `json:"accessToken"`
	IsDefault   bool   `json:"isDefault"`
}
