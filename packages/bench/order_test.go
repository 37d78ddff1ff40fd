package bench

import (
	"fmt"
	"reflect"
	"testing"
)

func TestWilliamsOrdersSmall(t *testing.T) {
	if got := WilliamsOrders(2); !reflect.DeepEqual(got, [][]int{{0, 1}, {1, 0}}) {
		t.Errorf("k=2: %v", got)
	}
	want3 := [][]int{{0, 1, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}, {0, 2, 1}, {1, 0, 2}}
	if got := WilliamsOrders(3); !reflect.DeepEqual(got, want3) {
		t.Errorf("k=3: %v", got)
	}
	// rounds over two targets: AB BA AB BA = ABBAABBA
	seq := ""
	for _, r := range BalancedOrder(2, 4) {
		for _, i := range r {
			seq += string(rune('A' + i))
		}
	}
	if seq != "ABBAABBA" {
		t.Errorf("2 targets × 4 rounds: %s", seq)
	}
}

// Over one period every target holds every position equally often and directly follows every other
// target equally often (first-order carry-over balance), for 2…7 targets.
func TestBalancedOrderIsBalanced(t *testing.T) {
	for k := 2; k <= 7; k++ {
		t.Run(fmt.Sprint(k), func(t *testing.T) {
			p := OrderPeriod(k)
			rounds := BalancedOrder(k, 2*p)
			if len(rounds) != 2*p {
				t.Fatalf("%d rounds", len(rounds))
			}
			pos := make([][]int, k) // pos[target][position]
			for i := range pos {
				pos[i] = make([]int, k)
			}
			follows := map[[2]int]int{}
			for _, r := range rounds[:p] {
				seen := make([]bool, k)
				for j, tg := range r {
					if tg < 0 || tg >= k || seen[tg] {
						t.Fatalf("round %v is not a permutation", r)
					}
					seen[tg] = true
					pos[tg][j]++
					if j > 0 {
						follows[[2]int{r[j-1], tg}]++
					}
				}
			}
			for tg := range pos {
				for j, n := range pos[tg] {
					if n != p/k {
						t.Errorf("target %d at position %d %d times, want %d", tg, j, n, p/k)
					}
				}
			}
			want := p * (k - 1) / (k * (k - 1))
			for a := 0; a < k; a++ {
				for b := 0; b < k; b++ {
					if a != b && follows[[2]int{a, b}] != want {
						t.Errorf("%d→%d %d times, want %d", a, b, follows[[2]int{a, b}], want)
					}
				}
			}
			// the second period repeats the first
			if !reflect.DeepEqual(rounds[:p], rounds[p:]) {
				t.Error("not periodic")
			}
		})
	}
}
