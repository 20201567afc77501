package gatewright.image_pull_policy

import data.lib.common
import data.lib.image
import data.lib.message

violation contains {"msg": msg, "details": message.details(field, actual, policy)} if {
	not common.is_delete
	policy := input.parameters.policy
	some entry in common.containers
	actual := effective_policy(entry.container)
	actual != policy
	field := sprintf("%s.imagePullPolicy", [common.path(entry)])
	msg := message.format(common.container_subject(entry), field, shown(entry.container, actual), policy)
}

# Kubernetes defaults an unset imagePullPolicy from the image's tag.
effective_policy(container) := p if {
	p := container.imagePullPolicy
} else := "Always" if {
	image.parse(object.get(container, "image", "")).tag == "latest"
} else := "IfNotPresent"

shown(container, actual) := actual if {
	object.get(container, "imagePullPolicy", null) != null
} else := sprintf("unset (defaults to %s)", [actual])
