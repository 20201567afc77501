package gatewright.gpu_resource_restriction

import data.lib.common
import data.lib.message
import data.lib.resource_requests

violation contains {"msg": msg, "details": message.details(m.field, m.resource, {"namespaceLabel": label})} if {
	not common.is_delete
	label := object.get(input, ["parameters", "namespaceLabel"], {})
	patterns := object.get(input, ["parameters", "gpuResourcePatterns"], [])
	some entry in common.containers
	some m in resource_requests.matching(entry, patterns)
	not namespace_permits(label)
	msg := message.format_rule(common.container_subject(entry), m.field, m.resource, rule(label))
}

# The labels of the reviewed object's namespace: from the request (Gatekeeper >= 3.22), else from the inventory.
# A namespaceObject that is null, or empty as gator passes it, or names another namespace, is not used.
namespace_labels := labels if {
	ns := input.review.namespaceObject
	ns.metadata.name == common.namespace
	labels := object.get(ns, ["metadata", "labels"], {})
} else := labels if {
	ns := data.inventory.cluster.v1.Namespace[common.namespace]
	labels := object.get(ns, ["metadata", "labels"], {})
}

namespace_permits(label) if {
	actual := namespace_labels[label.key]
	actual == object.get(label, "value", actual)
}

wanted(label) := sprintf("%s=%s", [label.key, label.value]) if label.value

else := object.get(label, "key", "<no namespaceLabel configured>")

rule(label) := sprintf("GPU resources need namespace label %s, and the labels of namespace %q are unavailable (no namespaceObject, Namespace not synced)", [wanted(label), common.namespace]) if {
	not namespace_labels
} else := sprintf("GPU resources need namespace label %s; namespace %q has %s", [wanted(label), common.namespace, found(label)])

found(label) := sprintf("%s=%s", [label.key, namespace_labels[label.key]]) if namespace_labels[label.key]

else := "no such label"
