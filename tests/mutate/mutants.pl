#!/usr/bin/perl
# tests/mutate/mutants.pl — reads the mutant list (tests/mutate/mutants) for
# run.sh and tests/0013-mutate-list.t. Plain perl, no modules beyond core.
#
#   mutants.pl list  LIST [PATTERN]...   one line per selected mutant:
#                                        id TAB file TAB tests TAB equivalent
#   mutants.pl apply LIST ID TREE        applies mutant ID to TREE's copy of its
#                                        file: exit 0 applied, 3 not applicable
#   mutants.pl check LIST TREE           TAP: the list parses, ids are unique,
#                                        every original text occurs exactly once
#
# The list: blocks of "key: value" lines separated by blank lines; '#' lines
# are comments. Keys: id, file, from (the exact original text, everything
# after "from: "), to (its replacement, may be empty), tests (test files,
# space separated), equivalent (optional: why the mutant cannot be told apart).
# Texts are literal (no escapes); "from+: TEXT" and "to+: TEXT" continue the
# text on a new line, for the rare mutant whose text is not unique on one.
use strict;
use warnings;

# returns (list of mutants as hashes, list of errors)
sub parse {
	my $path = shift;
	open my $fh, '<', $path or die "mutants.pl: $path: $!\n";
	my (@m, @err, $cur);
	my $ln = 0;
	my $close = sub {
		return unless $cur;
		for my $k (qw(id file from to tests)) {
			push @err, "$path:$cur->{line}: mutant " . ($cur->{id} // '?') . " has no '$k'"
			    unless defined $cur->{$k};
		}
		push @m, $cur;
		undef $cur;
	};
	while (my $l = <$fh>) {
		$ln++;
		chomp $l;
		next if $l =~ /^#/;
		if ($l =~ /^\s*$/) {
			$close->();
			next;
		}
		if ($l =~ /^(from|to)\+:(?: (.*))?$/) {
			my ($k, $v) = ($1, $2 // '');
			if (!$cur || !defined $cur->{$k}) {
				push @err, "$path:$ln: '$k+' without a '$k' before it";
			} else {
				$cur->{$k} .= "\n$v";
			}
		} elsif ($l =~ /^(id|file|from|to|tests|equivalent):(?: (.*))?$/) {
			my ($k, $v) = ($1, $2 // '');
			$cur //= { line => $ln };
			push @err, "$path:$ln: '$k' given twice" if defined $cur->{$k};
			$cur->{$k} = $v;
		} else {
			push @err, "$path:$ln: not a 'key: value' line: $l";
		}
	}
	$close->();
	my %seen;
	for my $x (@m) {
		next unless defined $x->{id};
		push @err, "$path:$x->{line}: id '$x->{id}' not of [a-z0-9.-]" unless $x->{id} =~ /^[a-z0-9][a-z0-9.-]*$/;
		push @err, "$path:$x->{line}: duplicate id '$x->{id}'" if $seen{$x->{id}}++;
		push @err, "$path:$x->{line}: $x->{id}: 'from' is empty" if defined $x->{from} && $x->{from} eq '';
		push @err, "$path:$x->{line}: $x->{id}: 'to' equals 'from'"
		    if defined $x->{from} && defined $x->{to} && $x->{from} eq $x->{to};
		push @err, "$path:$x->{line}: $x->{id}: no tests" if defined $x->{tests} && $x->{tests} !~ /\S/;
	}
	return (\@m, \@err);
}

sub count {
	my ($hay, $needle) = @_;
	my ($n, $at) = (0, 0);
	while ((my $i = index($hay, $needle, $at)) >= 0) {
		$n++;
		$at = $i + 1;
	}
	return $n;
}

sub slurp {
	my $p = shift;
	open my $fh, '<', $p or return undef;
	local $/;
	my $s = <$fh>;
	return $s;
}

# a pattern: an id, or a shell glob over ids (*, ?)
sub selected {
	my ($id, @pat) = @_;
	return 1 unless @pat;
	for my $p (@pat) {
		my $re = quotemeta $p;
		$re =~ s/\\\*/.*/g;
		$re =~ s/\\\?/./g;
		return 1 if $id =~ /^$re$/;
	}
	return 0;
}

my $cmd = shift // '';
if ($cmd eq 'list') {
	my $list = shift or die "usage: mutants.pl list LIST [PATTERN]...\n";
	my @pat = map { split /[\s,]+/ } @ARGV;
	@pat = grep { length } @pat;
	my ($m, $err) = parse($list);
	if (@$err) {
		print STDERR "mutants.pl: $_\n" for @$err;
		exit 65;
	}
	for my $x (@$m) {
		next unless selected($x->{id}, @pat);
		my $t = join ' ', split ' ', $x->{tests};
		my $eq = $x->{equivalent} // '';
		$eq =~ s/\t/ /g;
		print "$x->{id}\t$x->{file}\t$t\t$eq\n";
	}
	exit 0;
} elsif ($cmd eq 'apply') {
	my ($list, $id, $tree) = @ARGV;
	die "usage: mutants.pl apply LIST ID TREE\n" unless defined $tree;
	my ($m, $err) = parse($list);
	my ($x) = grep { defined $_->{id} && $_->{id} eq $id } @$m;
	die "mutants.pl: no mutant '$id' in $list\n" unless $x;
	my $path = "$tree/$x->{file}";
	my $s = slurp($path);
	if (!defined $s) {
		print STDERR "$x->{file}: cannot read\n";
		exit 3;
	}
	my $n = count($s, $x->{from});
	if ($n != 1) {
		print STDERR "$x->{file}: original text found $n times, not once\n";
		exit 3;
	}
	my $i = index($s, $x->{from});
	substr($s, $i, length $x->{from}) = $x->{to};
	open my $fh, '>', $path or die "mutants.pl: $path: $!\n";
	print $fh $s;
	close $fh or die "mutants.pl: $path: $!\n";
	exit 0;
} elsif ($cmd eq 'check') {
	my ($list, $tree) = @ARGV;
	die "usage: mutants.pl check LIST TREE\n" unless defined $tree;
	my ($m, $err) = parse($list);
	my $n = 0;
	my $ok = sub {
		my ($c, $name, @diag) = @_;
		$n++;
		print(($c ? "ok" : "not ok") . " $n - $name\n");
		print "# $_\n" for $c ? () : @diag;
	};
	$ok->(!@$err, "the list parses (" . scalar(@$m) . " mutants)", @$err);
	my %files;
	for my $x (@$m) {
		next unless defined $x->{id} && defined $x->{file} && defined $x->{from};
		my $s = $files{$x->{file}} //= slurp("$tree/$x->{file}") // '';
		my $c = count($s, $x->{from});
		my @missing = grep { !-e "$tree/$_" && !-e "$tree/$_.c" } split ' ', ($x->{tests} // '');
		$ok->($c == 1 && !@missing, "$x->{id}: $x->{file} holds its text once, its tests exist",
		    $c == 1 ? () : "found $c times: $x->{from}", map { "no test $_" } @missing);
	}
	print "1..$n\n";
	exit 0;
}
die "usage: mutants.pl list|apply|check ...\n";
