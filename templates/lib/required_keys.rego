# Rules of the form [{key, allowedRegex}] over a string map (an object's labels or annotations): each key must be
# present, and its value must match allowedRegex when one is given (unanchored, as regex.match does; anchor it
# with ^...$ to pin the whole value). An empty or absent allowedRegex accepts any value.
package lib.required_keys

# The rules a map breaks: {"key", "actual" (null when the key is missing), "allowedRegex"}.
failures(rules, values) := missing(rules, values) | mismatched(rules, values)

missing(rules, values) := {{"key": rule.key, "actual": null, "allowedRegex": pattern(rule)} |
	some rule in rules
	not rule.key in object.keys(values)
}

mismatched(rules, values) := {{"key": rule.key, "actual": value, "allowedRegex": pattern(rule)} |
	some rule in rules
	value := values[rule.key]
	pattern(rule) != ""
	not regex.match(pattern(rule), value)
}

pattern(rule) := object.get(rule, "allowedRegex", "")

# Wording for the message: "must be set" / "must match ^prod$".
rule_text(failure) := "must be set" if {
	failure.actual == null
	failure.allowedRegex == ""
} else := sprintf("must be set and match %s", [failure.allowedRegex]) if {
	failure.actual == null
} else := sprintf("must match %s", [failure.allowedRegex])
