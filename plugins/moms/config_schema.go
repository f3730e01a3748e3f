package moms

// configSchema documents the plugin's config section (plugins.moms.config);
// the host shows it to operators. It says what config.go parses.
var configSchema = map[string]any{
	"type":                 "object",
	"additionalProperties": false,
	"properties": map[string]any{
		"return_rounding":    map[string]any{"enum": []string{"truncate", "round"}, "description": "how a return field reaches whole kroner: truncate (ML § 57 stk. 1, øre disregarded; default) or round"},
		"interest_day_count": map[string]any{"enum": []string{"actual/365", "actual/360", "30/360"}, "description": "day count for morarente (default actual/365)"},
		"reference_rates": map[string]any{"type": "array", "description": "Nationalbanken's udlånsrente from a 1 January or 1 July, added to the built-in table",
			"items": map[string]any{"type": "object", "required": []string{"from", "percent"}, "properties": map[string]any{
				"from": map[string]any{"type": "string"}, "percent": map[string]any{"type": "number"}}}},
		"reminders": map[string]any{"type": "object", "additionalProperties": false, "properties": map[string]any{
			"fee_cap":              map[string]any{"type": "number", "description": "most a reminder fee may be (100)"},
			"min_days_apart":       map[string]any{"type": "integer", "description": "least days between fee-bearing reminders (10)"},
			"max_fees":             map[string]any{"type": "integer", "description": "reminders that may carry a fee (3)"},
			"compensation":         map[string]any{"type": "number", "description": "B2B compensation (310)"},
			"compensation_per":     map[string]any{"enum": []string{"invoice", "arrears"}, "description": "one compensation per overdue invoice (default) or per continuing arrears"},
			"first_after_due_days": map[string]any{"type": "integer", "description": "days after the due date before the first fee-bearing reminder (1)"},
		}},
		"tax_rates": map[string]any{"type": "object", "description": "places Billy tax rates (by ID, name or abbreviation) on the return",
			"additionalProperties": map[string]any{"type": "object", "required": []string{"treatment"}, "properties": map[string]any{
				"treatment": map[string]any{"type": "string"}, "deductible_percent": map[string]any{"type": "number"}}}},
		"accounts": map[string]any{"type": "object", "description": "account number or ID → VAT or duty field of the return",
			"additionalProperties": map[string]any{"type": "string"}},
	},
}
