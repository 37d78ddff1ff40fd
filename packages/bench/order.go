package bench

// Balanced orders for alternating k targets in slices.
//
// A Williams design: the rows of a Latin square in which every target takes every position equally often
// and every target directly follows every other target equally often (first-order carry-over balanced).
// For an even k the k rows of one square do; for an odd k the square and its mirror image (each row
// reversed) together, 2k rows. Two targets give AB, BA (over rounds: AB BA AB BA … = ABBA ABBA);
// three give ABC, BCA, CAB, CBA, ACB, BAC.

// WilliamsOrders returns the rows of the Williams design for k targets (indices 0…k-1).
func WilliamsOrders(k int) [][]int {
	if k <= 0 {
		return nil
	}
	if k == 1 {
		return [][]int{{0}}
	}
	// first row: 0, 1, k-1, 2, k-2, 3, …
	first := make([]int, k)
	lo, hi := 1, k-1
	for j := 1; j < k; j++ {
		if j%2 == 1 {
			first[j] = lo
			lo++
		} else {
			first[j] = hi
			hi--
		}
	}
	rows := make([][]int, 0, 2*k)
	for i := 0; i < k; i++ {
		r := make([]int, k)
		for j, v := range first {
			r[j] = (v + i) % k
		}
		rows = append(rows, r)
	}
	if k%2 == 1 {
		for i := 0; i < k; i++ {
			src := rows[i]
			r := make([]int, k)
			for j := range src {
				r[j] = src[k-1-j]
			}
			rows = append(rows, r)
		}
	}
	return rows
}

// BalancedOrder gives the order of the targets in each of n rounds: round r uses row r mod p of the
// Williams design (p = k for even k, 2k for odd k). The design is complete (every position and every
// "follows" pair equally often) when n is a multiple of p; with n = 1 it is a single round in the given order.
func BalancedOrder(k, n int) [][]int {
	rows := WilliamsOrders(k)
	out := make([][]int, n)
	for r := range out {
		out[r] = append([]int(nil), rows[r%len(rows)]...)
	}
	return out
}

// OrderPeriod is the number of rounds after which BalancedOrder is complete.
func OrderPeriod(k int) int {
	if k <= 1 {
		return 1
	}
	if k%2 == 1 {
		return 2 * k
	}
	return k
}
