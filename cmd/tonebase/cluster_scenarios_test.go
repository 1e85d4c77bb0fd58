package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The figures of issue 23's scenarios.
const (
	scRows  = 200_000 // rows of each big upload
	scBatch = 5_000   // rows a request
)

// TestClusterScenarios runs issue 23's cluster scenarios over real
// tonebase processes on loopback, each with its embedded NATS server: an
// upload found on every node, a node killed during one, a lost quorum, the
// customer API's uniqueness and idempotency across nodes, the lockout, a
// vault key rotation, a node paused until the log has moved past it, and
// a fourth node catching up from a snapshot. The scenarios share one
// cluster and its data, so it starts once; each scenario begins with
// every node up.
func TestClusterScenarios(t *testing.T) {
	if testing.Short() {
		t.Skip("starts tonebase processes")
	}
	c := newSCCluster(t, 3, "--snapshot-every", "10s", "--log-timeout", "3s")
	start := time.Now()
	c.startAll(t)
	t.Logf("three nodes healthy in %v", time.Since(start).Round(time.Millisecond))
	n1 := c.nodes[0]
	cl := c.api(t, n1).newClient("Cluster Collections")
	db1 := c.api(t, n1).newDatabase(cl.CID)
	db2 := c.api(t, n1).newDatabase(cl.CID)
	waitApplied(t, n1.applied(t), 30*time.Second, c.nodes...)

	run := func(name string, f func(t *testing.T)) {
		t.Run(name, func(t *testing.T) {
			c.startAll(t)
			start := time.Now()
			f(t)
			t.Logf("%s took %v", name, time.Since(start).Round(time.Millisecond))
		})
	}
	run("upload_on_n1_found_on_n2_and_n3", func(t *testing.T) { scUploadFound(t, c, cl, db1) })
	run("n2_killed_during_upload_keeps_every_acknowledged_row_once", func(t *testing.T) { scKillDuringUpload(t, c, cl, db2) })
	run("two_nodes_down_writes_503_lookups_answer", func(t *testing.T) { scNoQuorum(t, c, cl, db1) })
	run("customer_number_unique_and_idempotency_across_nodes", func(t *testing.T) { scCustomers(t, c, cl) })
	run("lockout_across_nodes", func(t *testing.T) { scLockout(t, c, cl, db1) })
	run("vault_rotation_applied_on_all_nodes", func(t *testing.T) { scRotation(t, c, cl) })
	run("n3_paused_past_the_logs_start_exits_and_catches_up_from_a_snapshot", func(t *testing.T) { scBehind(t, c, cl, db1) })
	// Last: a fourth node changes the JetStream group the others form.
	run("fourth_node_catches_up_from_snapshot_and_tail", func(t *testing.T) { scFourthNode(t, c, cl, db1, db2) })
}

// scUploadRows uploads rows [first, first+n) to nd in batches, two requests
// at a time, each batch sent again until it is acknowledged (a client's
// retry: the rows are upserts by primary key). onAck hears the rows
// acknowledged so far after each acknowledgement. It returns the
// acknowledged rows and how many requests were refused or failed.
func scUploadRows(t *testing.T, nd *scNode, cl client, dbid int64, first, n int, onAck func(acked int)) (int, int) {
	t.Helper()
	var acked, failed atomic.Int64
	batches := make(chan int)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
		batch:
			for b := range batches {
				body := scRowsBody(b, min(scBatch, first+n-b))
				deadline := time.Now().Add(90 * time.Second)
				for {
					r, err := scUpload(nd, cl, dbid, body)
					if err == nil && r.status == 200 {
						break
					}
					failed.Add(1)
					if time.Now().After(deadline) {
						t.Errorf("batch at %d not acknowledged within 90 s: %d %v %s", b, r.status, err, r.body)
						continue batch
					}
					time.Sleep(200 * time.Millisecond)
				}
				a := acked.Add(int64(min(scBatch, first+n-b)))
				if onAck != nil {
					onAck(int(a))
				}
			}
		})
	}
	for b := first; b < first+n; b += scBatch {
		batches <- b
	}
	close(batches)
	wg.Wait()
	return int(acked.Load()), int(failed.Load())
}

// scRowsBody is the upload of rows [first, first+n): row i's invoice
// number is i and its date of birth scDOB(i), whatever batch carries it.
func scRowsBody(first, n int) string {
	var b strings.Builder
	b.WriteByte('[')
	for i := first; i < first+n; i++ {
		if i > first {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"colA":"%06d","colB":"%s","colC":"£%d.50"}`, i, scDOB(i), 10+i%90)
	}
	b.WriteByte(']')
	return b.String()
}

func scDOB(i int) string { return fmt.Sprintf("%02d%02d19%02d", 1+i%28, 1+i%12, 40+i%60) }

// scRef is the lookup of row i of scRowsBody.
func scRef(i int) string { return fmt.Sprintf("ref1=%06d&ref2=%s", i, scDOB(i)) }

// sampleRefs are rows of [first, first+n) to look up: both ends and some
// between.
func sampleRefs(first, n int) []int {
	refs := []int{first, first + n - 1}
	for i := 1; i < 20; i++ {
		refs = append(refs, first+i*(n/20)+i*37%(n/20))
	}
	return refs
}

func lookupsAnswer(t *testing.T, c *scCluster, nd *scNode, cl client, dbid int64, refs []int) {
	t.Helper()
	s := c.api(t, nd)
	for _, i := range refs {
		if r := s.lookup(cl, cl.CID, dbid, scRef(i)); r.status != 200 || !strings.Contains(string(r.body), `"status":"found"`) {
			t.Errorf("lookup of row %06d on %s: %d %s", i, nd.name, r.status, r.body)
		}
	}
}

// Scenario: an upload of 200,000 rows on node 1 is found by lookups on
// nodes 2 and 3, and all three hold the same rows with the same digest.
func scUploadFound(t *testing.T, c *scCluster, cl client, dbid int64) {
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	start := time.Now()
	acked, failed := scUploadRows(t, n1, cl, dbid, 0, scRows, nil)
	took := time.Since(start)
	t.Logf("%d rows acknowledged by n1 in %v (%.0f rows/s), %d requests refused", acked, took.Round(time.Millisecond),
		float64(acked)/took.Seconds(), failed)
	if failed > 0 {
		t.Errorf("%d upload requests were refused with every node up", failed)
	}
	start = time.Now()
	want := c.sameDigest(t, n1, cl.CID, dbid, 60*time.Second, n2, n3)
	t.Logf("n2 and n3 applied it all %v after n1's last answer", time.Since(start).Round(time.Millisecond))
	if want.Rows != scRows {
		t.Errorf("n1 holds %d rows, want %d", want.Rows, scRows)
	}
	for _, nd := range []*scNode{n2, n3} {
		lookupsAnswer(t, c, nd, cl, dbid, sampleRefs(0, scRows))
	}
}

// Scenario: node 2 is killed with SIGKILL in the middle of a 200,000-row
// upload and restarted: every acknowledged row is on all three nodes, once.
func scKillDuringUpload(t *testing.T, c *scCluster, cl client, dbid int64) {
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	const first = 200_000
	var killAt, restartAt sync.Once
	var killedAt, restartedAt atomic.Int64
	acked, failed := scUploadRows(t, n1, cl, dbid, first, scRows, func(acked int) {
		if acked >= scRows/4 {
			killAt.Do(func() { n2.kill(t); killedAt.Store(int64(acked)) })
		}
		if acked >= scRows/2 {
			restartAt.Do(func() { n2.start(t, c.bin); restartedAt.Store(int64(acked)) })
		}
	})
	t.Logf("%d rows acknowledged; n2 killed after %d, restarted after %d; %d requests refused or failed meanwhile (sent again)",
		acked, killedAt.Load(), restartedAt.Load(), failed)
	if killedAt.Load() == 0 || restartedAt.Load() == 0 {
		t.Fatal("the upload ended before n2 was killed and restarted")
	}
	n2.waitHealthy(t, 120*time.Second)
	want := c.sameDigest(t, n1, cl.CID, dbid, 90*time.Second, n2, n3)
	if want.Rows != int64(acked) {
		t.Errorf("n1 holds %d rows, %d were acknowledged", want.Rows, acked)
	}
	lookupsAnswer(t, c, n2, cl, dbid, sampleRefs(first, scRows))
}

// Scenario: with two nodes stopped, writes answer 503 and lookups on the
// survivor answer; with them restarted, writes resume.
func scNoQuorum(t *testing.T, c *scCluster, cl client, dbid int64) {
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	var wg sync.WaitGroup
	for _, nd := range []*scNode{n2, n3} {
		wg.Go(func() { nd.stop(t) })
	}
	wg.Wait()

	const refused = 900_000 // rows of the refused upload
	start := time.Now()
	r, err := scUpload(n1, cl, dbid, scRowsBody(refused, 10))
	t.Logf("upload with two nodes down answered in %v: %d %s", time.Since(start).Round(time.Millisecond), r.status, r.body)
	if err != nil || r.status != 503 {
		t.Errorf("upload with two of three nodes down: %d %v %s, want 503", r.status, err, r.body)
	}
	admin := map[string]string{"Authorization": "Bearer " + c.token, "Content-Type": "application/json"}
	if r, err := scDo("POST", "http://"+n1.addr+"/admin/api/clients", `{"name":"No Quorum"}`, admin); err != nil || r.status != 503 {
		t.Errorf("creating a client with two of three nodes down: %d %v %s, want 503", r.status, err, r.body)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, h := n1.health()
		if status == 200 && h.Writes == "no_quorum" {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("n1's /healthz with two nodes down: %d %+v, want 200 with writes no_quorum", status, h)
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	lookupsAnswer(t, c, n1, cl, dbid, sampleRefs(0, scRows))

	c.startAll(t)
	// The merchant sends the refused upload again, as the 503 says: the
	// same body and signature. Its claim of the signature, and its entry,
	// may have reached the survivor's servers without an answer and be
	// written once the quorum is back; the resend must still go through.
	restarted := time.Now()
	deadline = restarted.Add(60 * time.Second)
	for {
		r, err := scUpload(n1, cl, dbid, scRowsBody(refused, 10))
		if err == nil && r.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the refused upload, sent again, was not taken within 60 s of the restart: %d %v %s", r.status, err, r.body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("the refused upload was taken %v after the two nodes were started again", time.Since(restarted).Round(time.Millisecond))
	const resumed = 910_000
	if r, err := scUpload(n1, cl, dbid, scRowsBody(resumed, 10)); err != nil || r.status != 200 {
		t.Fatalf("a new upload once writes resumed: %d %v %s", r.status, err, r.body)
	}
	waitApplied(t, n1.applied(t), 60*time.Second, n2, n3)
	for _, nd := range c.nodes[:3] {
		lookupsAnswer(t, c, nd, cl, dbid, []int{refused, refused + 9, resumed, resumed + 9})
	}
}

func custAuth(cl client) map[string]string {
	return map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(cl.APIKey+":"+cl.APISecret)),
		"Content-Type": "application/json"}
}

// envelope is the customer API's answer to a write.
type envelope struct {
	StatusCode int
	StatusText string
}

func customersNamed(t *testing.T, nd *scNode, cl client, number string) []string {
	t.Helper()
	r, err := scGet("http://"+nd.addr+"/apis/api/Customers/GetCustomers?CustomerNumber="+number, custAuth(cl))
	if err != nil || r.status != 200 {
		t.Fatalf("GetCustomers %s on %s: %d %v %s", number, nd.name, r.status, err, r.body)
	}
	var list []struct{ Id string }
	r.json(t, &list)
	var ids []string
	for _, c := range list {
		ids = append(ids, c.Id)
	}
	return ids
}

// Scenario: the same CustomerNumber created at once on two nodes makes one
// customer and one clear refusal; an Idempotency-Key replayed on another
// node answers the first result.
func scCustomers(t *testing.T, c *scCluster, cl client) {
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	auth := custAuth(cl)
	for round := range 5 {
		number := fmt.Sprintf("RACE-%d", round)
		body := fmt.Sprintf(`{"CustomerNumber":%q,"BillingFirstName":"Ada","BillingLastName":"Race"}`, number)
		var replies [2]reply
		var errs [2]error
		var ready, wg sync.WaitGroup
		ready.Add(2)
		gate := make(chan struct{})
		for i, nd := range []*scNode{n1, n2} {
			wg.Go(func() {
				ready.Done()
				<-gate
				replies[i], errs[i] = scDo("POST", "http://"+nd.addr+"/apis/api/Customers", body, auth)
			})
		}
		ready.Wait()
		close(gate)
		wg.Wait()
		var created, refusal string
		oks, refusals := 0, 0
		for i, r := range replies {
			if errs[i] != nil {
				t.Fatalf("%s: %v", number, errs[i])
			}
			var e envelope
			_ = json.Unmarshal(r.body, &e)
			switch {
			case r.status == 200 && e.StatusCode == 200:
				oks++
				created = e.StatusText
			case r.status == 409:
				refusals++
				refusal = e.StatusText
			default:
				t.Errorf("%s on n%d: %d %s", number, i+1, r.status, r.body)
			}
		}
		if oks != 1 || refusals != 1 {
			t.Errorf("%s created at once on n1 and n2: %d created, %d refused (n1 %d %s; n2 %d %s), want one of each",
				number, oks, refusals, replies[0].status, replies[0].body, replies[1].status, replies[1].body)
		} else if !strings.Contains(refusal, `CustomerNumber "`+number+`" is already used by customer `+created) {
			// The refusal a single node gives: it names the number and the
			// customer that has it.
			t.Errorf("%s created at once on n1 and n2: the refusal %q does not say the number is %s's", number, refusal, created)
		}
		waitApplied(t, max(n1.applied(t), n2.applied(t)), 30*time.Second, n1, n2, n3)
		for _, nd := range []*scNode{n1, n2, n3} {
			if ids := customersNamed(t, nd, cl, number); len(ids) != 1 || ids[0] != created {
				t.Errorf("%s on %s: customers %v, want just %q", number, nd.name, ids, created)
			}
		}
	}

	// Customers made one after another on each node in turn: each node
	// numbers its customers after those the others made.
	for i := range 6 {
		nd := c.nodes[i%3]
		number := fmt.Sprintf("TURN-%d", i)
		r, err := scDo("POST", "http://"+nd.addr+"/apis/api/Customers", `{"CustomerNumber":"`+number+`","BillingFirstName":"Tam","BillingLastName":"Turn"}`, auth)
		if err != nil || r.status != 200 {
			t.Errorf("%s on %s, after the others' customers: %d %v %s", number, nd.name, r.status, err, r.body)
		}
		waitApplied(t, nd.applied(t), 30*time.Second, n1, n2, n3)
	}

	body := `{"CustomerNumber":"IDEM-1","BillingFirstName":"Ida","BillingLastName":"Replay"}`
	idem := map[string]string{"Idempotency-Key": "scenario-idem-1"}
	for k, v := range auth {
		idem[k] = v
	}
	first, err := scDo("POST", "http://"+n1.addr+"/apis/api/Customers", body, idem)
	if err != nil || first.status != 200 {
		t.Fatalf("first create on n1: %d %v %s", first.status, err, first.body)
	}
	waitApplied(t, n1.applied(t), 30*time.Second, n3)
	again, err := scDo("POST", "http://"+n3.addr+"/apis/api/Customers", body, idem)
	if err != nil || again.status != first.status || string(again.body) != string(first.body) || again.header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the same Idempotency-Key on n3: %d %v %s (replayed %q); n1 answered %d %s", again.status, err, again.body,
			again.header.Get("Idempotent-Replayed"), first.status, first.body)
	}
	waitApplied(t, max(n1.applied(t), n3.applied(t)), 30*time.Second, n1, n2, n3)
	for _, nd := range []*scNode{n1, n2, n3} {
		if ids := customersNamed(t, nd, cl, "IDEM-1"); len(ids) != 1 {
			t.Errorf("IDEM-1 on %s: customers %v, want one", nd.name, ids)
		}
	}
}

// Scenario: five wrong dates of birth spread over three nodes lock the ref
// on all of them.
func scLockout(t *testing.T, c *scCluster, cl client, dbid int64) {
	const row = 5
	for i := range 5 {
		nd := c.nodes[i%3]
		q := fmt.Sprintf("ref1=%06d&ref2=0%d011980", row, i+1)
		if r := c.api(t, nd).lookup(cl, cl.CID, dbid, q); r.status != 404 {
			t.Fatalf("wrong guess %d on %s: %d %s, want 404", i+1, nd.name, r.status, r.body)
		}
	}
	for _, nd := range c.nodes[:3] {
		deadline := time.Now().Add(10 * time.Second)
		for {
			r := c.api(t, nd).lookup(cl, cl.CID, dbid, scRef(row))
			if r.status == 429 {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("the right date of birth on %s after five wrong ones over three nodes: %d %s, want 429", nd.name, r.status, r.body)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// keyStatus is GET /admin/api/keys's answer.
type keyStatus struct {
	Active  string `json:"active"`
	Pending int    `json:"pending"`
	Keys    []struct {
		ID string `json:"id"`
	} `json:"keys"`
}

func keysOf(t *testing.T, c *scCluster, nd *scNode) keyStatus {
	t.Helper()
	var ks keyStatus
	r := c.api(t, nd).admin("GET", "/admin/api/keys", "")
	if r.status != 200 {
		t.Fatalf("keys on %s: %d %s", nd.name, r.status, r.body)
	}
	r.json(t, &ks)
	return ks
}

// waitKeys waits for every node to seal under active with nothing left
// under an older key.
func waitKeys(t *testing.T, c *scCluster, active string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for _, nd := range c.nodes[:3] {
		for {
			ks := keysOf(t, c, nd)
			if ks.Active == active && ks.Pending == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Errorf("%s's keys %+v, want %s active and nothing pending", nd.name, ks, active)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

func storeCard(t *testing.T, nd *scNode, cl client, customerID, number string) string {
	t.Helper()
	r, err := scDo("POST", "http://"+nd.addr+"/apis/api/PaymentDetails",
		`{"CustomerId":"`+customerID+`","PaymentType":"2","CardNumber":"`+number+`","ExpDate":"1239","FullName":"Vera Vault"}`, custAuth(cl))
	var e envelope
	if err == nil {
		_ = json.Unmarshal(r.body, &e)
	}
	if err != nil || r.status != 200 || e.StatusCode != 200 {
		t.Fatalf("card on %s: %d %v %s", nd.name, r.status, err, r.body)
	}
	return e.StatusText
}

// cardReadsBack checks a node answers a stored card, masked.
func cardReadsBack(t *testing.T, nd *scNode, cl client, id, number string) {
	t.Helper()
	r, err := scGet("http://"+nd.addr+"/apis/api/PaymentDetails/GetPaymentInfo/"+id, custAuth(cl))
	if err != nil || r.status != 200 || !strings.Contains(string(r.body), number[len(number)-4:]) || strings.Contains(string(r.body), number) {
		t.Errorf("card %s on %s: %d %v %s", id, nd.name, r.status, err, r.body)
	}
}

// Scenario: a vault key rotation on one node is applied on all, and every
// node still reads every card: a card stored before the rotation and one
// stored after it on another node read back masked on each node, and a
// second rotation on a third node re-seals both, which opens them there.
func scRotation(t *testing.T, c *scCluster, cl client) {
	n1, n2, n3 := c.nodes[0], c.nodes[1], c.nodes[2]
	r, err := scDo("POST", "http://"+n1.addr+"/apis/api/Customers", `{"CustomerNumber":"VAULT-1","BillingFirstName":"Vera","BillingLastName":"Vault"}`, custAuth(cl))
	var cust envelope
	if err == nil {
		_ = json.Unmarshal(r.body, &cust)
	}
	if err != nil || r.status != 200 {
		t.Fatalf("customer: %d %v %s", r.status, err, r.body)
	}
	const before, after = "4003000123456781", "4111111111111111"
	cardBefore := storeCard(t, n1, cl, cust.StatusText, before)
	old := keysOf(t, c, n1)

	rot := c.api(t, n1).admin("POST", "/admin/api/keys/rotate", "")
	var rotated keyStatus
	if rot.status != 200 {
		t.Fatalf("rotate on n1: %d %s", rot.status, rot.body)
	}
	rot.json(t, &rotated)
	if rotated.Active == old.Active {
		t.Fatalf("rotate on n1 kept %s active: %s", old.Active, rot.body)
	}
	waitApplied(t, n1.applied(t), 30*time.Second, n2, n3)
	waitKeys(t, c, rotated.Active, 30*time.Second)

	waitApplied(t, n1.applied(t), 30*time.Second, n2)
	cardAfter := storeCard(t, n2, cl, cust.StatusText, after)
	waitApplied(t, n2.applied(t), 30*time.Second, n1, n3)
	// The card stored on n2 is sealed under the key n1 made.
	waitKeys(t, c, rotated.Active, 30*time.Second)
	for _, nd := range []*scNode{n1, n2, n3} {
		cardReadsBack(t, nd, cl, cardBefore, before)
		cardReadsBack(t, nd, cl, cardAfter, after)
	}

	// n3 re-seals under a key of its own: it opens both cards to do it.
	rot = c.api(t, n3).admin("POST", "/admin/api/keys/rotate", "")
	if rot.status != 200 {
		t.Fatalf("rotate on n3: %d %s", rot.status, rot.body)
	}
	var third keyStatus
	rot.json(t, &third)
	if third.Active == rotated.Active {
		t.Fatalf("rotate on n3 kept %s active", third.Active)
	}
	waitKeys(t, c, third.Active, 30*time.Second)
	for _, nd := range []*scNode{n1, n2, n3} {
		cardReadsBack(t, nd, cl, cardBefore, before)
		cardReadsBack(t, nd, cl, cardAfter, after)
	}
}

// Scenario: a fourth node started with an empty folder catches up from a
// snapshot plus the log's tail, and answers the same lookups.
func scFourthNode(t *testing.T, c *scCluster, cl client, db1, db2 int64) {
	n1 := c.nodes[0]
	// A snapshot holding the big uploads, written by whichever node took
	// the round (--snapshot-every 10s).
	target := n1.applied(t)
	deadline := time.Now().Add(60 * time.Second)
	var snapAt float64
	for snapAt < float64(target) {
		for _, nd := range c.nodes {
			for _, l := range nd.logLines("snapshot written") {
				if a, _ := l["applied"].(float64); a > snapAt {
					snapAt = a
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no snapshot at or past %d within 60 s (newest at %v)", target, snapAt)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The tail: entries after the snapshot.
	const tail = 950_000
	if acked, failed := scUploadRows(t, n1, cl, db1, tail, 2*scBatch, nil); acked != 2*scBatch || failed > 0 {
		t.Fatalf("the tail's upload: %d acknowledged, %d refused", acked, failed)
	}
	end := n1.applied(t)

	start := time.Now()
	n4 := c.join(t, "n4")
	n4.waitHealthy(t, 120*time.Second)
	waitApplied(t, end, 60*time.Second, n4)
	t.Logf("n4 healthy and at %d %v after its start", end, time.Since(start).Round(time.Millisecond))
	restoring := n4.logLines("restoring a snapshot, then replaying the log from it")
	restored := n4.logLines("snapshot restored")
	if len(restoring) == 0 || len(restored) != 1 {
		t.Fatalf("n4 did not restore a snapshot: %d restoring and %d restored lines", len(restoring), len(restored))
	}
	if len(restoring) > 1 {
		t.Logf("n4 tried %d snapshots before one restored", len(restoring))
	}
	from, _ := restoring[len(restoring)-1]["snapshot"].(float64)
	t.Logf("n4 restored the snapshot at %v (%v keys in %vms) and replayed the log to %d", from, restored[0]["keys"], restored[0]["took"], end)
	if from < float64(target) || from >= float64(end) {
		t.Errorf("n4's snapshot is at %v: want one at or past %d (the big uploads) and before %d (the tail)", from, target, end)
	}
	for _, db := range []int64{db1, db2} {
		c.sameDigest(t, n1, cl.CID, db, 60*time.Second, n4)
	}
	lookupsAnswer(t, c, n4, cl, db1, append(sampleRefs(0, scRows), tail, tail+2*scBatch-1))
	lookupsAnswer(t, c, n4, cl, db2, sampleRefs(200_000, scRows))
}
