# churn.pl — Perl benchmark workload: hashes built and discarded, regex matches and
# substitutions over generated text, and sorts. Usage: perl churn.pl ROUNDS
use strict;
use warnings;

my $rounds = shift // 30;
my $total = 0;
for my $r (1 .. $rounds) {
    my %h;
    for my $i (1 .. 20000) {
        $h{"key-$r-$i"} = { id => $i, text => "value $i of round $r" };
    }
    my @sorted = sort { $h{$a}{id} <=> $h{$b}{id} } keys %h;
    for my $k (@sorted) {
        (my $t = $h{$k}{text}) =~ s/(\d+)/<$1>/g;
        $total++ if $t =~ /<\d+5>/;
    }
}
print "$total\n";
