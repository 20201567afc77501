package lib.required_keys_test

import data.lib.required_keys

rules := [{"key": "team"}, {"key": "env", "allowedRegex": "^(prod|dev)$"}, {"key": "owner", "allowedRegex": ""}]

test_all_present_and_matching if {
	required_keys.failures(rules, {"team": "a", "env": "prod", "owner": "x"}) == set()
}

test_missing_and_mismatched if {
	required_keys.failures(rules, {"env": "staging", "owner": ""}) == {
		{"key": "team", "actual": null, "allowedRegex": ""},
		{"key": "env", "actual": "staging", "allowedRegex": "^(prod|dev)$"},
	}
	required_keys.failures(rules, {}) == {
		{"key": "team", "actual": null, "allowedRegex": ""},
		{"key": "env", "actual": null, "allowedRegex": "^(prod|dev)$"},
		{"key": "owner", "actual": null, "allowedRegex": ""},
	}
}

test_unanchored_regex if {
	required_keys.failures([{"key": "env", "allowedRegex": "prod"}], {"env": "preprod-1"}) == set()
}

test_rule_text if {
	required_keys.rule_text({"key": "k", "actual": null, "allowedRegex": ""}) == "must be set"
	required_keys.rule_text({"key": "k", "actual": null, "allowedRegex": "^a$"}) == "must be set and match ^a$"
	required_keys.rule_text({"key": "k", "actual": "b", "allowedRegex": "^a$"}) == "must match ^a$"
}
