<?php
// churn.php — PHP benchmark workload: arrays of strings and nested arrays built, sorted,
// json-encoded and discarded. Run with USE_ZEND_ALLOC=0 so every allocation goes through
// malloc. Usage: php churn.php ROUNDS
$rounds = isset($argv[1]) ? (int)$argv[1] : 30;
$total = 0;
for ($r = 0; $r < $rounds; $r++) {
    $rows = [];
    for ($i = 0; $i < 4000; $i++) {
        $rows[] = ["id" => $i, "name" => "user-$r-$i", "tags" => array_fill(0, $i % 7, "t$i")];
    }
    usort($rows, function ($a, $b) { return strcmp($a["name"], $b["name"]); });
    $text = json_encode($rows);
    $back = json_decode($text, true);
    $names = implode(",", array_column($back, "name"));
    $total += count(explode(",", $names));
}
echo $total, "\n";
