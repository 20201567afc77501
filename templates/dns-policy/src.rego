package gatewright.dns_policy

import data.lib.common
import data.lib.message

violation contains {"msg": msg, "details": message.details(field, actual, "ClusterFirstWithHostNet")} if {
	not common.is_delete
	common.pod_spec.hostNetwork == true
	actual := object.get(common.pod_spec, "dnsPolicy", "ClusterFirst")
	actual != "ClusterFirstWithHostNet"
	field := sprintf("%s.dnsPolicy", [common.spec_prefix])
	msg := message.format_rule(common.object_ref, field, shown(actual), "a hostNetwork pod must use ClusterFirstWithHostNet")
}

shown(actual) := actual if common.pod_spec.dnsPolicy

else := sprintf("unset (defaults to %s)", [actual])
