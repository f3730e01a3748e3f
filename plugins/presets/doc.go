// Package presets is the billy-mcp plugin of repeatable workflows
// ("presets"), keeping v1's tool names: list_presets, execute_preset,
// create_custom_preset, get_recommended_presets, analyze_user_patterns and
// generate_personalized_presets, plus get_preset_run, cancel_preset_run
// and delete_draft_invoice (the undo of a created draft).
//
// A preset is a workflow in the format of package workflow, validated by
// schema/workflow.schema.json. Its steps call tools through the host as
// the caller, so the caller's scopes and the deployment's write policy
// apply to every step. Runs are kept step by step in the plugin's data
// directory and resume where they stopped. It is enabled by default.
package presets
