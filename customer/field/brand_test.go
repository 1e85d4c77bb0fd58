package field

import "testing"

func TestCardBrand(t *testing.T) {
	for _, tc := range []struct {
		name, number string
		want         Brand
		codeLen      int
	}{
		{"Visa", "4111111111111111", BrandVisa, 3},
		{"Visa, masked", "411111xxxx1111", BrandVisa, 3},
		{"Mastercard 51-55", "5555555555554444", BrandMastercard, 3},
		{"Mastercard 2-series", "2223003122003222", BrandMastercard, 3},
		{"below the 2-series", "2220990000000000", BrandOther, 3},
		{"American Express 34", "343434343434343", BrandAmex, 4},
		{"American Express 37", "378282246310005", BrandAmex, 4},
		{"Discover 6011", "6011111111111117", BrandDiscover, 3},
		{"Discover 65", "6500000000000002", BrandDiscover, 3},
		{"Discover 644", "6440000000000000", BrandDiscover, 3},
		{"Discover on UnionPay's co-brand range", "6221260000000000", BrandDiscover, 3},
		{"JCB", "3530111333300000", BrandJCB, 3},
		{"Diners 36", "36259600000004", BrandDiners, 3},
		{"Diners 300", "30000000000004", BrandDiners, 3},
		{"Diners 3095", "3095000000000000", BrandDiners, 3},
		{"another brand", "9000000000000001", BrandOther, 3},
		{"too short to tell", "4111", BrandOther, 3},
		{"masked last four only", "xxxx1111", BrandOther, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := CardBrand(tc.number)
			if b != tc.want || b.CodeLen() != tc.codeLen {
				t.Fatalf("CardBrand(%s) = %v (code %d), want %v (code %d)", tc.number, b, b.CodeLen(), tc.want, tc.codeLen)
			}
		})
	}
}
