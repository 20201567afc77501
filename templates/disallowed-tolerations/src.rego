package gatewright.disallowed_tolerations

import data.lib.common
import data.lib.message

violation contains {"msg": msg, "details": message.details(field, toleration, {"disallowed": matched})} if {
	not common.is_delete
	patterns := object.get(input, ["parameters", "tolerations"], [])
	some i, toleration in object.get(common.pod_spec, "tolerations", [])
	not is_default(toleration)
	matched := [p | some p in patterns; covers(toleration, p)]
	count(matched) > 0
	field := sprintf("%s.tolerations[%d]", [common.spec_prefix, i])
	msg := message.format_rule(common.object_ref, field, toleration, sprintf("matches disallowed %s", [json.marshal(matched)]))
}

default_keys := {"node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"}

# The tolerations the DefaultTolerationSeconds plugin (and the DaemonSet controller) add.
is_default(t) if {
	t.key in default_keys
	t.operator == "Exists"
	t.effect == "NoExecute"
}

# A toleration covers a pattern when, on every field the pattern sets, it tolerates at least as much.
covers(t, p) if {
	key_covers(t, wanted(p, "key"))
	operator_covers(t, wanted(p, "operator"))
	value_covers(t, wanted(p, "value"))
	effect_covers(t, wanted(p, "effect"))
}

wanted(p, f) := object.get(p, f, "")

operator(t) := op if {
	op := object.get(t, "operator", "")
	op != ""
} else := "Equal"

key_covers(_, "")

key_covers(t, key) if object.get(t, "key", "") == key

key_covers(t, _) if {
	object.get(t, "key", "") == ""
	operator(t) == "Exists"
}

operator_covers(_, "")

operator_covers(t, op) if operator(t) == op

operator_covers(t, _) if operator(t) == "Exists"

value_covers(_, "")

value_covers(t, _) if operator(t) == "Exists"

value_covers(t, value) if object.get(t, "value", "") == value

effect_covers(_, "")

effect_covers(t, _) if object.get(t, "effect", "") == ""

effect_covers(t, effect) if t.effect == effect
