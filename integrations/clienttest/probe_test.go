package clienttest

import (
	"testing"

	"github.com/argoproj/argo-rollouts/metricproviders/kayenta"
	"github.com/argoproj/argo-rollouts/metricproviders/webmetric"
	"github.com/fluxcd/flagger/pkg/controller"
)

func TestProbe(t *testing.T) {
	_ = kayenta.NewKayentaProvider
	_ = webmetric.NewWebMetricProvider
	_ = controller.CallWebhook
}
