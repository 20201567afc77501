# One wording for every violation: who, which field, what was found, what is allowed.
package lib.message

# "Pod team-a/web, container "app": spec.containers[0].securityContext.privileged is true; allowed: false"
format(subject, field, actual, allowed) := sprintf("%s: %s is %s; allowed: %s", [subject, field, show(actual), show(allowed)])

# Same, with free text in place of a value list ("must be set to false").
format_rule(subject, field, actual, rule) := sprintf("%s: %s is %s; %s", [subject, field, show(actual), rule])

show(v) := v if is_string(v)

else := "unset" if v == null

else := json.marshal(v)

details(field, actual, allowed) := {"field": field, "actual": actual, "allowed": allowed}
