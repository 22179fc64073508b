#!/bin/sh
# Makes every recording of the digital receptionist from text, reproducibly:
#   prompts/<lang>/<name>.wav   spoken prompts (espeak-ng), per language
#   prompts/tones/<name>.wav    join and leave tones (sox synth)
#   prompts/moh/default.wav     music on hold (sox synth: a chord progression with an arpeggio)
# All are mono, 16-bit, 16 kHz WAV, peak-normalised, with true digital silence around the speech (no
# dither), so a voice-activity detector never takes a prompt's edges for talk.
#
# Needs espeak-ng and sox (Debian packages of the same names). Run from anywhere:
#   sh prompts/make-prompts.sh
# The same tool versions give byte-identical files (sox runs in repeatable mode, -R).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
for tool in espeak-ng sox; do
  command -v "$tool" >/dev/null 2>&1 || { echo "make-prompts: $tool is missing (apt-get install $tool)" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

RATE=16000
# -R: repeatable (fixed seeds); -D: no dither, so silence stays exactly zero.
SOX="sox -R -D"

# say LANG VOICE NAME TEXT: speaks TEXT slowly and clearly, trims the synthesiser's own silence, pads
# with a short lead-in and a longer tail (the next prompt or the caller's digits follow), normalises.
say() {
  lang=$1 voice=$2 name=$3 text=$4
  mkdir -p "$here/$lang"
  espeak-ng -v "$voice" -s 145 -p 45 -g 2 -a 100 -w "$tmp/raw.wav" "$text"
  $SOX "$tmp/raw.wav" -b 16 -c 1 "$here/$lang/$name.wav" \
    highpass 90 \
    silence 1 0.02 0.2% reverse silence 1 0.02 0.2% reverse \
    rate -v $RATE pad 0.15 0.25 norm -3
}

english() {
  v=en-us
  say en $v enter-access-code "Please enter the conference access code, followed by the pound key."
  say en $v wrong-code "That code is not correct. Please try again."
  say en $v goodbye "Goodbye."
  say en $v entering "You are now entering the conference."
  say en $v only-participant "You are the only participant in this conference."
  say en $v wait-for-admin "The conference will begin when the administrator joins."
  say en $v conference-starting "The administrator has joined. The conference begins now."
  say en $v conference-locked "This conference is locked. Please try again later."
  say en $v conference-full "This conference is full. Please try again later."
  say en $v not-available "The number you have dialled is not available."
}

french() {
  v=fr-fr
  say fr $v enter-access-code "Veuillez saisir le code d'accès de la conférence, suivi de la touche dièse."
  say fr $v wrong-code "Ce code n'est pas correct. Veuillez réessayer."
  say fr $v goodbye "Au revoir."
  say fr $v entering "Vous entrez maintenant dans la conférence."
  say fr $v only-participant "Vous êtes le seul participant à cette conférence."
  say fr $v wait-for-admin "La conférence commencera lorsque l'administrateur la rejoindra."
  say fr $v conference-starting "L'administrateur est arrivé. La conférence commence."
  say fr $v conference-locked "Cette conférence est verrouillée. Veuillez réessayer plus tard."
  say fr $v conference-full "Cette conférence est complète. Veuillez réessayer plus tard."
  say fr $v not-available "Le numéro que vous avez composé n'est pas disponible."
}

dutch() {
  v=nl
  say nl $v enter-access-code "Voer de toegangscode van de conferentie in, gevolgd door het hekje."
  say nl $v wrong-code "Die code is niet juist. Probeer het opnieuw."
  say nl $v goodbye "Tot ziens."
  say nl $v entering "U neemt nu deel aan de conferentie."
  say nl $v only-participant "U bent de enige deelnemer aan deze conferentie."
  say nl $v wait-for-admin "De conferentie begint zodra de beheerder deelneemt."
  say nl $v conference-starting "De beheerder is er. De conferentie begint nu."
  say nl $v conference-locked "Deze conferentie is vergrendeld. Probeer het later opnieuw."
  say nl $v conference-full "Deze conferentie is vol. Probeer het later opnieuw."
  say nl $v not-available "Het gekozen nummer is niet beschikbaar."
}

german() {
  v=de
  say de $v enter-access-code "Bitte geben Sie den Zugangscode der Konferenz ein, gefolgt von der Rautetaste."
  say de $v wrong-code "Dieser Code ist nicht korrekt. Bitte versuchen Sie es erneut."
  say de $v goodbye "Auf Wiederhören."
  say de $v entering "Sie betreten jetzt die Konferenz."
  say de $v only-participant "Sie sind der einzige Teilnehmer dieser Konferenz."
  say de $v wait-for-admin "Die Konferenz beginnt, sobald der Administrator teilnimmt."
  say de $v conference-starting "Der Administrator ist da. Die Konferenz beginnt jetzt."
  say de $v conference-locked "Diese Konferenz ist gesperrt. Bitte versuchen Sie es später erneut."
  say de $v conference-full "Diese Konferenz ist voll. Bitte versuchen Sie es später erneut."
  say de $v not-available "Die gewählte Nummer ist nicht erreichbar."
}

# beep OUT FREQ SECONDS: one soft sine beep with short fades (no clicks).
beep() {
  $SOX -n -r $RATE -c 1 -b 16 "$1" synth "$3" sine "$2" fade h 0.01 "$3" 0.04 vol 0.5
}

tones() {
  mkdir -p "$here/tones"
  beep "$tmp/lo.wav" 523.25 0.12
  beep "$tmp/hi.wav" 783.99 0.16
  $SOX -n -r $RATE -c 1 -b 16 "$tmp/gap.wav" trim 0 0.04
  # Rising for a join, falling for a leave.
  $SOX "$tmp/lo.wav" "$tmp/gap.wav" "$tmp/hi.wav" "$here/tones/join.wav" norm -6
  beep "$tmp/hi2.wav" 783.99 0.12
  beep "$tmp/lo2.wav" 523.25 0.16
  $SOX "$tmp/hi2.wav" "$tmp/gap.wav" "$tmp/lo2.wav" "$here/tones/leave.wav" norm -6
}

music() {
  mkdir -p "$here/moh"
  # Semitones from A440, low register: C3=-21 D3=-19 E3=-17 F3=-16 G3=-14 A3=-12 B3=-10 C4=-9 D4=-7.
  # I–vi–IV–V, then I–iii–IV–V: ends on the dominant, which leads back into the first chord (loops).
  for c in "-21 -17 -14" "-12 -9 -5" "-16 -12 -9" "-14 -10 -7" "-21 -17 -14" "-17 -14 -10" "-16 -12 -9" \
    "-14 -10 -7"; do
    # shellcheck disable=SC2086
    set -- $c
    chord_pad "$1" "$2" "$3"
  done
  $SOX "$tmp"/chord*.wav -b 16 "$here/moh/default.wav" norm -4
}

# chord_pad R T F: three seconds of one chord (semitones from A440): a soft sustained triad (the pad)
# and, over it, eight plucked notes one and two octaves up: root third fifth octave fifth third fifth third.
chord_n=0
chord_pad() {
  len=3
  chord_n=$((chord_n + 1))
  $SOX -n -r $RATE -c 3 "$tmp/pad3.wav" synth "$len" sine "%$1" sine "%$2" sine "%$3"
  $SOX "$tmp/pad3.wav" -c 1 "$tmp/pad.wav" remix - fade q 0.35 "$len" 0.6 vol 0.3
  step=0.375
  i=0
  for n in "$1" "$2" "$3" "$1" "$3" "$2" "$3" "$2"; do
    i=$((i + 1))
    if [ "$i" -eq 4 ]; then up=24; else up=12; fi
    $SOX -n -r $RATE -c 1 "$tmp/n$i.wav" synth $step pluck "%$((n + up))" fade h 0.005 $step 0.08
  done
  $SOX "$tmp/n1.wav" "$tmp/n2.wav" "$tmp/n3.wav" "$tmp/n4.wav" "$tmp/n5.wav" "$tmp/n6.wav" "$tmp/n7.wav" \
    "$tmp/n8.wav" "$tmp/arp.wav" vol 0.35
  $SOX -m "$tmp/pad.wav" "$tmp/arp.wav" "$tmp/chord$(printf %02d $chord_n).wav"
}

english
french
dutch
german
tones
music
echo "make-prompts: done"
du -ch "$here"/*/*.wav | tail -n 1
