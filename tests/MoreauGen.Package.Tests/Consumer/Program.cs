// Runs README.md's example (Example.cs, added by the package tests) and says whether MorGD cut the cost tenfold.
var (before, after) = Example.Fit();
Console.WriteLine($"cost before {before:G6}, after {after:G6}");
return after < 0.1f * before ? 0 : 1;
