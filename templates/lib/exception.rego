# SecurityPolicyException lookup, as DVP does it: a pod (or pod template) names an exception in its namespace
# through a label; a per-container label takes precedence. Exceptions come from Gatekeeper's synced inventory.
package lib.exception

import data.lib.common

pod_label := "security.deckhouse.io/security-policy-exception"

container_label_prefix := "security.deckhouse.io/security-policy-exception.container."

# The exception's spec, or {} when none applies.
lookup(exception_name) := object.get(
	data.inventory.namespace,
	[common.namespace, "deckhouse.io/v1alpha1", "SecurityPolicyException", exception_name, "spec"],
	{},
)

# Whether the pod names any exception, pod-wide or for a container. Most pods do not, and then no container needs a
# lookup.
named if {
	some key, _ in common.pod_labels
	startswith(key, pod_label)
}

for_pod := lookup(common.pod_labels[pod_label]) if common.pod_labels[pod_label]

else := {}

for_container(entry) := {} if {
	not named
	entry
} else := lookup(n) if {
	n := common.pod_labels[concat("", [container_label_prefix, entry.container.name])]
} else := for_pod

# The value the exception allows at path, or the default when the exception does not say.
allowed(spe, path, default_value) := object.get(spe, path, default_value)
