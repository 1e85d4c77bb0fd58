// Command tonebase-connect is the AWS Lambda function an Amazon Connect
// flow invokes to look a caller up: it passes Connect's event to
// tonebase's Connect endpoint and returns the flat map the flow reads.
// TONEBASE_URL is the endpoint (https://…/connect/v1/{cid}/{dbid}/lookup),
// TONEBASE_API_KEY and TONEBASE_API_SECRET the client's credentials.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/tonebase/tonebase/ivr/connect"
)

func main() {
	f := &connect.Forwarder{URL: os.Getenv("TONEBASE_URL"), Key: os.Getenv("TONEBASE_API_KEY"),
		Secret: os.Getenv("TONEBASE_API_SECRET"), Client: &http.Client{Timeout: connect.ConnectLimit}}
	if f.URL == "" || f.Key == "" || f.Secret == "" {
		fmt.Fprintln(os.Stderr, "tonebase-connect: set TONEBASE_URL, TONEBASE_API_KEY and TONEBASE_API_SECRET")
		os.Exit(2)
	}
	lambda.Start(func(ctx context.Context, event json.RawMessage) (map[string]string, error) {
		return f.Forward(ctx, event), nil
	})
}
